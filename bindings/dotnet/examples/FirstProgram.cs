// A first licensekit program: activate a license code, check a feature, deactivate.
//   mono FirstProgram.exe PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]
using System;
using Licensekit;

internal static class FirstProgram
{
    private static int Main(string[] args)
    {
        try
        {
            Console.WriteLine("licensekit " + Licensing.Version + " (" + Licensing.LibraryFile + ")");
            using (var config = new Config(args[0]))
            {
                config.AddPublicKey(args[1]);
                config.ServerUrl = args[2];
                if (args.Length > 4) config.StoreDir = args[4];
                using (var client = new Client(config))
                {
                    if (client.LicenseStatus != Status.Ok)
                    {
                        client.Activate(args[3]);
                        Console.WriteLine("activated");
                    }
                    Status export = client.FeatureEnabled("EXPORT"); // local, no exception
                    Console.WriteLine(export == Status.Ok ? "EXPORT is enabled" : "EXPORT: " + export);
                    client.Deactivate();
                    Console.WriteLine("deactivated");
                }
            }
            return 0;
        }
        catch (LicensekitException e)
        {
            Console.Error.WriteLine("licensing failed: " + e.Status + ": " + e.Detail);
            return 1;
        }
    }
}
