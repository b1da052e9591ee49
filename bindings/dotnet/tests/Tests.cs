// The .NET binding against a real licensekit-server on loopback, started by
// tests/bindings/run.sh (LK_TEST_SERVER_URL, LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT,
// LK_TEST_LICENSE_CODE, LK_TEST_CAPACITY_CODE, LK_HEADER, LK_TEST_OTHER_VERSION_LIBRARY).
//
//   mono LicensekitTests.exe          runs every test; prints `N passed, M failed` last
//   mono LicensekitTests.exe bench DIR   activates in DIR and times FeatureEnabled
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using Licensekit;

internal static class Tests
{
    private static string Env(string name)
    {
        string value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(value)) throw new InvalidOperationException(name + " is not set: run tests/bindings/run.sh dotnet");
        return value;
    }

    private static void Assert(bool condition, string what)
    {
        if (!condition) throw new Exception("assertion failed: " + what);
    }

    private static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new Exception(what + ": expected " + expected + ", got " + actual);
    }

    private static LicensekitException Throws(Status status, Action action)
    {
        try
        {
            action();
        }
        catch (LicensekitException e)
        {
            Equal(status, e.Status, "status of " + e.Message);
            Assert(e.Detail.Length > 0, "the exception has a detail");
            Assert(e.Message.StartsWith(Licensing.StatusName(status)), "the message names the status: " + e.Message);
            return e;
        }
        throw new Exception("expected LicensekitException " + status);
    }

    private static string StoreDir(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "lk-dotnet-" + name + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static Client NewClient(string store, string url = null, uint timeoutMs = 5000)
    {
        using (var config = new Config(Env("LK_TEST_PRODUCT")))
        {
            config.AddPublicKey(Env("LK_TEST_PUBLIC_KEY"));
            config.ServerUrl = url ?? Env("LK_TEST_SERVER_URL");
            config.StoreDir = store;
            config.TimeoutMs = timeoutMs;
            config.SetAppVersion("2.1", "417", "ENT");
            return new Client(config);
        }
    }

    private static string Header() => File.ReadAllText(Env("LK_HEADER"));

    private static string Pascal(string cName) =>
        string.Concat(cName.Split('_').Select(p => p.Substring(0, 1) + p.Substring(1).ToLowerInvariant()));

    // ---- the binding against the header -------------------------------------------------

    private static void StatusesMatchTheHeader()
    {
        string header = Header();
        int start = header.IndexOf("enum lk_status");
        string block = header.Substring(start, header.IndexOf("};", start) - start);
        var fromHeader = Regex.Matches(block, @"^\s*LK_([A-Z0-9_]+) = (\d+),", RegexOptions.Multiline)
            .Cast<Match>().ToDictionary(m => Pascal(m.Groups[1].Value), m => uint.Parse(m.Groups[2].Value));
        Assert(fromHeader.Count > 50, "the header parse found the statuses");
        var fromEnum = Enum.GetValues(typeof(Status)).Cast<Status>().ToDictionary(s => s.ToString(), s => (uint)s);
        foreach (var pair in fromHeader)
        {
            Assert(fromEnum.ContainsKey(pair.Key), "Status lacks " + pair.Key + " (" + pair.Value + ") of the header");
            Equal(pair.Value, fromEnum[pair.Key], "Status." + pair.Key);
        }
        foreach (var name in fromEnum.Keys) Assert(fromHeader.ContainsKey(name), "Status." + name + " is not in the header");
        foreach (Status s in Enum.GetValues(typeof(Status)))
            Equal("LK_" + Regex.Replace(s.ToString(), "(?<=.)([A-Z])", "_$1").ToUpperInvariant(), Licensing.StatusName(s), "name of " + s);
        var kinds = Regex.Matches(header, @"^\s*LK_EXPIRY_([A-Z]+) = (\d+),", RegexOptions.Multiline).Cast<Match>()
            .ToDictionary(m => Pascal(m.Groups[1].Value), m => uint.Parse(m.Groups[2].Value));
        Equal(kinds.Count, Enum.GetValues(typeof(ExpiryKind)).Length, "expiry kinds");
        foreach (var pair in kinds) Equal(pair.Value, (uint)(ExpiryKind)Enum.Parse(typeof(ExpiryKind), pair.Key), "ExpiryKind." + pair.Key);
    }

    private static void VersionIsTheHeaders()
    {
        string version = Regex.Match(Header(), "#define LK_VERSION \"([^\"]+)\"").Groups[1].Value;
        Equal(version, Licensing.BuiltForVersion, "the version the binding was built for");
        Equal(version, Licensing.Version, "lk_version()");
        Equal(Env("LICENSEKIT_LIBRARY"), Licensing.LibraryFile, "the library in use");
    }

    private static void AnotherVersionIsRefused()
    {
        string other = Env("LK_TEST_OTHER_VERSION_LIBRARY");
        var open = typeof(Licensing).Assembly.GetType("Licensekit.Native").GetMethod("Open", BindingFlags.NonPublic | BindingFlags.Static);
        try
        {
            open.Invoke(null, new object[] { other });
        }
        catch (TargetInvocationException e) when (e.InnerException is DllNotFoundException)
        {
            string message = e.InnerException.Message;
            Assert(message.Contains(other) && message.Contains("licensekit 9.9.9") && message.Contains("built for 0.1.0"), message);
            return;
        }
        throw new Exception("a library of another version was accepted");
    }

    private static void AMissingLibraryIsNamed()
    {
        var open = typeof(Licensing).Assembly.GetType("Licensekit.Native").GetMethod("Open", BindingFlags.NonPublic | BindingFlags.Static);
        try
        {
            open.Invoke(null, new object[] { "/nonexistent/liblicensekit.so" });
        }
        catch (TargetInvocationException e) when (e.InnerException is DllNotFoundException)
        {
            Assert(e.InnerException.Message.Contains("/nonexistent/liblicensekit.so"), e.InnerException.Message);
            return;
        }
        throw new Exception("a missing library was loaded");
    }

    // ---- process-wide calls and argument errors -----------------------------------------

    private static void ComputerIdAndDetails()
    {
        Assert(Regex.IsMatch(Licensing.ComputerId(Env("LK_TEST_PRODUCT")), "^[A-Za-z0-9]{20}$"), "a 20-character ID");
        Assert(Licensing.SystemDetailsJson().Contains("\"vmplatform\""), "system details JSON");
    }

    private static void BadArgumentsThrowWithDetail()
    {
        var e = Throws(Status.InvalidProductId, () => Licensing.ComputerId("not a product"));
        Assert(e.Detail.Contains("product"), "the detail names the argument: " + e.Detail);
        Throws(Status.InvalidProductId, () => new Config("bad product"));
        using (var config = new Config(Env("LK_TEST_PRODUCT")))
        {
            Throws(Status.InvalidPublicKey, () => config.AddPublicKey("00zz"));
            Throws(Status.InvalidArgument, () => config.TimeoutMs = 0);
            config.StoreDir = StoreDir("nokey");
            Throws(Status.NoPublicKey, () => new Client(config));
        }
    }

    // ---- online -------------------------------------------------------------------------

    private static void ActivateCheckDeactivate()
    {
        var seen = new List<Status>();
        var changed = new ManualResetEventSlim();
        using (var client = NewClient(StoreDir("online")))
        {
            Equal(Status.NotActivated, client.LicenseStatus, "status before");
            Equal(Status.NotActivated, client.FeatureEnabled("EXPORT"), "feature before");
            Throws(Status.InvalidLicenseCode, () => client.Activate("123456789012345678"));
            client.StatusChanged += s => { lock (seen) seen.Add(s); changed.Set(); };
            client.Activate(Env("LK_TEST_LICENSE_CODE"));
            Equal(Status.Ok, client.LicenseStatus, "status after activation");
            Equal(Status.Ok, client.FeatureEnabled("EXPORT"), "EXPORT");
            Equal(Status.FeatureUnknown, client.FeatureEnabled("NOPE"), "NOPE");
            // Non-ASCII reaches the library as UTF-8 (not LK_INVALID_UTF8): simply unknown.
            Equal(Status.FeatureUnknown, client.FeatureEnabled("ÉXPORT-日本"), "a non-ASCII feature");
            Equal("pro", client.Udf("EDITION"), "UDF");
            Throws(Status.InvalidArgument, () => client.Udf("MISSING"));
            Assert(client.LicenseInfoJson.Contains(Env("LK_TEST_LICENSE_CODE")), "info names the code");
            Equal(Licensing.ComputerId(Env("LK_TEST_PRODUCT")), client.ComputerId, "computer ID");
            Assert(client.Expiry(ExpiryKind.Lease) > DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "lease end in the future");
            Assert(client.GraceRemaining > TimeSpan.Zero, "grace left");
            client.Refresh();
            client.Deactivate();
            Equal(Status.Deactivated, client.LicenseStatus, "status after deactivation");
            Assert(changed.Wait(5000), "the status callback ran");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            lock (seen) Assert(seen.Contains(Status.Ok) && seen.Contains(Status.Deactivated), "callback saw " + string.Join(",", seen));
        }
    }

    private static void RestartedClientIsLicensedOffline()
    {
        string store = StoreDir("restart");
        using (var first = NewClient(store)) first.Activate(Env("LK_TEST_LICENSE_CODE"));
        using (var second = NewClient(store, "http://127.0.0.1:9"))
        {
            Equal(Status.Ok, second.LicenseStatus, "restarted status");
            Equal(Status.Ok, second.FeatureEnabled("EXPORT"), "restarted EXPORT");
            Throws(Status.Network, () => second.Refresh());
        }
    }

    private static void AsyncCallsRunOffTheCallingThread()
    {
        using (var client = NewClient(StoreDir("async")))
        {
            int caller = Thread.CurrentThread.ManagedThreadId, callback = -1;
            client.StatusChanged += s => Volatile.Write(ref callback, Thread.CurrentThread.ManagedThreadId);
            client.ActivateAsync(Env("LK_TEST_LICENSE_CODE")).Wait();
            Equal(Status.Ok, client.LicenseStatus, "status after ActivateAsync");
            Assert(Volatile.Read(ref callback) != caller, "the activation ran on another thread");
            client.DeactivateAsync().Wait();
            try
            {
                client.ActivateAsync("123456789012345678").Wait();
            }
            catch (AggregateException e) when (e.InnerException is LicensekitException)
            {
                var inner = (LicensekitException)e.InnerException;
                Equal(Status.InvalidLicenseCode, inner.Status, "the async failure's status");
                Assert(inner.Detail.Length > 0, "the async failure has a detail");
                return;
            }
            throw new Exception("an invalid code activated");
        }
    }

    private static void Utf8BothWays()
    {
        string store = Path.Combine(StoreDir("utf8"), "störe-日本");
        using (var client = NewClient(store))
            Assert(client.DiagnosticsJson.Contains(store), "the diagnostics carry the non-ASCII store path");
    }

    private static void DisposedClientThrows()
    {
        var client = NewClient(StoreDir("disposed"));
        client.Dispose();
        client.Dispose();
        try
        {
            client.FeatureEnabled("EXPORT");
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        throw new Exception("a disposed client answered");
    }

    private static void CallbackSurvivesGarbageCollection()
    {
        // The delegate the library calls is held by the handle, not by the caller.
        string store = StoreDir("gc");
        using (var client = NewClient(store))
        {
            int calls = 0;
            client.StatusChanged += s => Interlocked.Increment(ref calls);
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            client.Activate(Env("LK_TEST_LICENSE_CODE"));
            client.Deactivate();
            for (int i = 0; i < 100 && Volatile.Read(ref calls) < 2; i++) Thread.Sleep(20);
            Assert(Volatile.Read(ref calls) >= 2, "calls after collections: " + calls);
        }
    }

    private static void SharedCapacity()
    {
        using (var client = NewClient(StoreDir("capacity")))
        {
            client.Activate(Env("LK_TEST_CAPACITY_CODE"));
            Equal(Status.NoSeat, client.FeatureEnabled("SOLVER"), "SOLVER before checkout");
            client.FloatingCheckout("SOLVER");
            Equal(Status.Ok, client.FeatureEnabled("SOLVER"), "SOLVER held");
            client.FloatingCheckin("SOLVER");
            client.PoolCheckout("MESH", 3);
            client.PoolCheckin("MESH", 3);
            ulong left = client.ConsumeTokens("RENDER", 2);
            Equal(left - 1, client.ConsumeTokens("RENDER", 1), "tokens left");
            Throws(Status.TokensExhausted, () => client.ConsumeTokens("RENDER", 1000000));
            client.SessionOpen();
            client.SessionClose();
            Throws(Status.NoSeat, () => client.SessionClose());
            client.Deactivate();
        }
    }

    // ---- runner -------------------------------------------------------------------------

    private static int Bench(string store)
    {
        var load = Stopwatch.StartNew();
        string version = Licensing.Version;
        load.Stop();
        using (var client = NewClient(store))
        {
            client.Activate(Env("LK_TEST_LICENSE_CODE"));
            const int calls = 200000;
            double best = double.MaxValue;
            for (int round = 0; round < 5; round++)
            {
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < calls; i++)
                    if (client.FeatureEnabled("EXPORT") != Status.Ok) throw new Exception("EXPORT not enabled");
                best = Math.Min(best, watch.Elapsed.TotalMilliseconds * 1e6 / calls);
            }
            Console.WriteLine("dotnet load: {0:F1} ms (library {1})", load.Elapsed.TotalMilliseconds, version);
            Console.WriteLine("dotnet feature_enabled: {0:F1} ns/call", best);
        }
        return 0;
    }

    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "bench") return Bench(args[1]);
        var tests = new List<KeyValuePair<string, Action>>
        {
            new KeyValuePair<string, Action>("statuses match the header", StatusesMatchTheHeader),
            new KeyValuePair<string, Action>("the version is the header's", VersionIsTheHeaders),
            new KeyValuePair<string, Action>("another version is refused", AnotherVersionIsRefused),
            new KeyValuePair<string, Action>("a missing library is named", AMissingLibraryIsNamed),
            new KeyValuePair<string, Action>("computer ID and system details", ComputerIdAndDetails),
            new KeyValuePair<string, Action>("bad arguments throw with the detail", BadArgumentsThrowWithDetail),
            new KeyValuePair<string, Action>("activate, check, callback, deactivate", ActivateCheckDeactivate),
            new KeyValuePair<string, Action>("a restarted client is licensed offline", RestartedClientIsLicensedOffline),
            new KeyValuePair<string, Action>("async calls run off the calling thread", AsyncCallsRunOffTheCallingThread),
            new KeyValuePair<string, Action>("UTF-8 both ways", Utf8BothWays),
            new KeyValuePair<string, Action>("a disposed client throws", DisposedClientThrows),
            new KeyValuePair<string, Action>("the callback survives garbage collection", CallbackSurvivesGarbageCollection),
            new KeyValuePair<string, Action>("shared capacity", SharedCapacity),
        };
        int passed = 0, failed = 0;
        foreach (var test in tests)
        {
            try
            {
                test.Value();
                passed++;
                Console.WriteLine("ok: " + test.Key);
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine("FAILED: " + test.Key + ": " + e);
            }
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
