// A first licensekit program: activate a license code, check a feature, deactivate.
//   java -cp jna.jar:licensekit.jar:. FirstProgram PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]
import dev.licensekit.Client;
import dev.licensekit.Config;
import dev.licensekit.LicensekitException;
import dev.licensekit.Licensing;
import dev.licensekit.Status;

public class FirstProgram {
    public static void main(String[] args) {
        System.out.println("licensekit " + Licensing.version() + " (" + Licensing.libraryFile() + ")");
        try (Config config = new Config(args[0])) {
            config.addPublicKey(args[1]).serverUrl(args[2]);
            if (args.length > 4) config.storeDir(args[4]);
            try (Client client = new Client(config)) {
                if (client.status() != Status.OK) {
                    client.activate(args[3]);
                    System.out.println("activated");
                }
                Status export = client.featureEnabled("EXPORT"); // local, no exception
                System.out.println(export == Status.OK ? "EXPORT is enabled" : "EXPORT: " + export);
                client.deactivate();
                System.out.println("deactivated");
            }
        } catch (LicensekitException e) {
            System.err.println("licensing failed: " + e.status() + ": " + e.detail());
            System.exit(1);
        }
    }
}
