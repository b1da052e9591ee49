package dev.licensekit;

import java.nio.file.Path;

/**
 * Times the binding for tests/bindings/run.sh: loading it (finding the library, JNA's load and
 * the version check), and Client#featureEnabled on an active license, the best of 5 rounds of
 * 200000 calls, as tests/bindings/feature_bench.c does in C.
 *
 * <p>{@code java dev.licensekit.FeatureBench STORE_DIR} (LK_TEST_* as for the tests)
 */
public final class FeatureBench {
    private FeatureBench() {}

    public static void main(String[] args) {
        long started = System.nanoTime();
        String version = Licensing.version();
        double loadMs = (System.nanoTime() - started) / 1e6;
        try (Client c = ClientTest.client(Path.of(args[0]))) {
            c.activate(ClientTest.env("LK_TEST_LICENSE_CODE"));
            int calls = 200_000;
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long t = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    if (c.featureEnabled("EXPORT") != Status.OK) throw new IllegalStateException("EXPORT not enabled");
                }
                best = Math.min(best, (System.nanoTime() - t) / (double) calls);
            }
            System.out.printf("java load: %.1f ms (library %s)%n", loadMs, version);
            System.out.printf("java feature_enabled: %.1f ns/call%n", best);
        }
    }
}
