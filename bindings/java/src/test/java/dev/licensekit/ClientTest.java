package dev.licensekit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The client against a real licensekit-server on loopback, started by tests/bindings/run.sh
 * (LK_TEST_SERVER_URL, LK_TEST_PUBLIC_KEY, LK_TEST_PRODUCT, LK_TEST_LICENSE_CODE,
 * LK_TEST_CAPACITY_CODE).
 */
class ClientTest {
    static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) throw new IllegalStateException(name + " is not set: run tests/bindings/run.sh java");
        return value;
    }

    static Path storeDir(String name) throws IOException {
        return Files.createTempDirectory("lk-java-" + name + "-");
    }

    static Client client(Path store, String url) {
        try (Config config = new Config(env("LK_TEST_PRODUCT"))) {
            config.addPublicKey(env("LK_TEST_PUBLIC_KEY")).serverUrl(url).storeDir(store.toString()).timeoutMs(5000)
                    .appVersion("2.1", "417", "ENT");
            return new Client(config);
        }
    }

    static Client client(Path store) {
        return client(store, env("LK_TEST_SERVER_URL"));
    }

    static LicensekitException assertFails(Status status, Executable call) {
        LicensekitException e = assertThrows(LicensekitException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        assertTrue(!e.detail().isEmpty(), "a detail");
        assertTrue(e.getMessage().startsWith(status.cName()), e.getMessage());
        return e;
    }

    @Test
    void computerIdAndSystemDetails() {
        assertTrue(Licensing.computerId(env("LK_TEST_PRODUCT")).matches("[A-Za-z0-9]{20}"));
        assertTrue(Licensing.systemDetailsJson().contains("\"vmplatform\""));
    }

    @Test
    void badArgumentsThrowWithTheStatusAndTheDetail() throws IOException {
        LicensekitException e = assertFails(Status.INVALID_PRODUCT_ID, () -> Licensing.computerId("not a product"));
        assertTrue(e.detail().contains("product"), e.detail());
        assertFails(Status.INVALID_PRODUCT_ID, () -> new Config("bad product"));
        try (Config config = new Config(env("LK_TEST_PRODUCT"))) {
            assertFails(Status.INVALID_PUBLIC_KEY, () -> config.addPublicKey("00zz"));
            assertFails(Status.INVALID_ARGUMENT, () -> config.timeoutMs(0));
            config.storeDir(storeDir("nokey").toString());
            assertFails(Status.NO_PUBLIC_KEY, () -> new Client(config));
        }
    }

    @Test
    void activateCheckCallbackDeactivate() throws Exception {
        List<Status> seen = new CopyOnWriteArrayList<>();
        CountDownLatch deactivated = new CountDownLatch(1);
        try (Client c = client(storeDir("online"))) {
            assertEquals(Status.NOT_ACTIVATED, c.status());
            assertEquals(Status.NOT_ACTIVATED, c.featureEnabled("EXPORT"));
            assertFails(Status.INVALID_LICENSE_CODE, () -> c.activate("123456789012345678"));
            c.onStatusChange(s -> {
                seen.add(s);
                // Calling back into the library from the callback is allowed.
                c.status();
                if (s == Status.DEACTIVATED) deactivated.countDown();
            });
            c.activate(env("LK_TEST_LICENSE_CODE"));
            assertEquals(Status.OK, c.status());
            assertEquals(Status.OK, c.featureEnabled("EXPORT"));
            assertEquals(Status.FEATURE_UNKNOWN, c.featureEnabled("NOPE"));
            // Non-ASCII reaches the library as UTF-8 (not LK_INVALID_UTF8): simply unknown.
            assertEquals(Status.FEATURE_UNKNOWN, c.featureEnabled("ÉXPORT-日本"));
            assertEquals("pro", c.udf("EDITION"));
            assertFails(Status.INVALID_ARGUMENT, () -> c.udf("MISSING"));
            assertTrue(c.licenseInfoJson().contains(env("LK_TEST_LICENSE_CODE")));
            assertEquals(Licensing.computerId(env("LK_TEST_PRODUCT")), c.computerId());
            assertTrue(c.expiry(ExpiryKind.LEASE) > System.currentTimeMillis() / 1000);
            assertTrue(c.graceRemaining().getSeconds() > 0);
            c.refresh();
            System.gc();
            c.deactivate();
            assertEquals(Status.DEACTIVATED, c.status());
            assertTrue(deactivated.await(5, TimeUnit.SECONDS), "callback saw " + seen);
            assertTrue(seen.contains(Status.OK), "callback saw " + seen);
        }
    }

    @Test
    void aRestartedClientIsLicensedFromItsStoreWithoutTheNetwork() throws IOException {
        Path store = storeDir("restart");
        try (Client first = client(store)) {
            first.activate(env("LK_TEST_LICENSE_CODE"));
        }
        try (Client second = client(store, "http://127.0.0.1:9")) {
            assertEquals(Status.OK, second.status());
            assertEquals(Status.OK, second.featureEnabled("EXPORT"));
            assertFails(Status.NETWORK, second::refresh);
        }
    }

    @Test
    void asyncCallsCompleteWithTheResultOrTheException() throws Exception {
        try (Client c = client(storeDir("async"))) {
            var failed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> c.activateAsync("123456789012345678").get(10, TimeUnit.SECONDS));
            LicensekitException e = (LicensekitException) failed.getCause();
            assertEquals(Status.INVALID_LICENSE_CODE, e.status());
            assertTrue(!e.detail().isEmpty());
            var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                c.activateAsync(env("LK_TEST_LICENSE_CODE"), pool).get(10, TimeUnit.SECONDS);
            } finally {
                pool.shutdown();
            }
            assertEquals(Status.OK, c.status());
            c.refreshAsync().get(10, TimeUnit.SECONDS);
            c.deactivateAsync().get(10, TimeUnit.SECONDS);
            assertEquals(Status.DEACTIVATED, c.status());
        }
    }

    @Test
    void utf8BothWays() throws IOException {
        Path store = storeDir("utf8").resolve("störe-日本");
        try (Client c = client(store)) {
            assertTrue(c.diagnosticsJson().contains(store.toString()), c.diagnosticsJson());
        }
    }

    @Test
    void aClosedClientThrows() throws IOException {
        Client c = client(storeDir("closed"));
        c.close();
        c.close();
        assertThrows(IllegalStateException.class, () -> c.featureEnabled("EXPORT"));
    }

    @Test
    void closeWaitsForACallInProgress() throws Exception {
        Client c = client(storeDir("closing"));
        var outcome = new java.util.concurrent.atomic.AtomicReference<Object>();
        var started = new CountDownLatch(1);
        Thread activation = new Thread(() -> {
            started.countDown();
            try {
                c.activate(env("LK_TEST_LICENSE_CODE"));
                outcome.set("activated");
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        activation.start();
        started.await();
        c.close();
        activation.join();
        // Either the activation ran to its end before the free, or it saw a closed client:
        // never a call on a freed handle.
        Object result = outcome.get();
        assertTrue("activated".equals(result) || result instanceof IllegalStateException, String.valueOf(result));
        assertThrows(IllegalStateException.class, c::status);
    }

    @Test
    void sharedCapacity() throws IOException {
        try (Client c = client(storeDir("capacity"))) {
            c.activate(env("LK_TEST_CAPACITY_CODE"));
            assertEquals(Status.NO_SEAT, c.featureEnabled("SOLVER"));
            c.floatingCheckout("SOLVER");
            assertEquals(Status.OK, c.featureEnabled("SOLVER"));
            c.floatingCheckin("SOLVER");
            c.poolCheckout("MESH", 3);
            c.poolCheckin("MESH", 3);
            long left = c.consumeTokens("RENDER", 2);
            assertEquals(left - 1, c.consumeTokens("RENDER", 1));
            assertFails(Status.TOKENS_EXHAUSTED, () -> c.consumeTokens("RENDER", 1_000_000));
            c.sessionOpen();
            c.sessionClose();
            assertFails(Status.NO_SEAT, c::sessionClose);
            c.deactivate();
        }
    }
}
