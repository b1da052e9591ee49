package dev.licensekit;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A licensing client for one product. Thread-safe: share one between threads.
 *
 * <p>Questions answered by a status ({@link #status()}, {@link #featureEnabled}) return it
 * instead of throwing, so a hot path never pays for exceptions; every other failure throws
 * {@link LicensekitException}. Network calls block for at most the configured timeout; their
 * {@code Async} forms run them on an executor (the common pool by default), off the UI thread,
 * and complete exceptionally with the LicensekitException, detail included. {@link #close()} waits for calls in progress on other threads; a
 * client never closed is freed when it is garbage collected.
 */
public final class Client implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    /** Feature codes kept encoded per client; an application checks the same few over and over. */
    private static final int MAX_FEATURE_CODES = 256;

    /**
     * What the cleaner frees: the handle and the callback the library may call, kept
     * reachable until lk_client_free returns (after which it is never called).
     */
    private static final class State implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        Pointer handle;
        LibLicensekit.StatusCallback callback;
        /** Feature codes in native memory (UTF-8, NUL-terminated), at most MAX_FEATURE_CODES. */
        final Map<String, Memory> featureCodes = new ConcurrentHashMap<>();
        /** Callbacks replaced while a call of theirs may still run; dropped at the free. */
        final List<LibLicensekit.StatusCallback> retired = new ArrayList<>();

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (handle != null) NativeLoader.lib().lk_client_free(handle);
                handle = null;
                callback = null;
                retired.clear();
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** A native call on the live handle. */
    @FunctionalInterface
    private interface Call<T> {
        T on(LibLicensekit lib, Pointer handle);
    }

    private final State state = new State();
    private final Cleaner.Cleanable cleanable;

    /** A client for {@code config}'s product, loading its store. */
    public Client(Config config) {
        var out = new PointerByReference();
        Licensing.check(NativeLoader.lib().lk_client_new(config.handle(), out));
        state.handle = out.getValue();
        cleanable = CLEANER.register(this, state);
    }

    private <T> T call(Call<T> call) {
        state.lock.readLock().lock();
        try {
            if (state.handle == null) throw new IllegalStateException("licensekit: the client is closed");
            return call.on(NativeLoader.lib(), state.handle);
        } finally {
            state.lock.readLock().unlock();
        }
    }

    private void check(Call<Integer> c) {
        Licensing.check(call(c));
    }

    private String stringOut(Call<Licensing.Filler> c) {
        return call((lib, h) -> Licensing.stringOut(c.on(lib, h)));
    }

    /** This computer's ID as this client reports it to the server. */
    public String computerId() {
        return stringOut((lib, h) -> (buf, len, needed) -> lib.lk_client_computer_id(h, buf, len, needed));
    }

    /** {@link Status#OK} when the product is licensed now; otherwise why not. Local. */
    public Status status() {
        return Status.of(call((lib, h) -> Direct.lk_license_status(h)));
    }

    /** {@link Status#OK} when {@code feature} may be used now; otherwise why not. Local. */
    public Status featureEnabled(String feature) {
        Memory code = state.featureCodes.get(Objects.requireNonNull(feature, "feature"));
        if (code == null) {
            byte[] utf8 = (feature + "\0").getBytes(StandardCharsets.UTF_8);
            code = new Memory(utf8.length);
            code.write(0, utf8, 0, utf8.length);
            if (state.featureCodes.size() < MAX_FEATURE_CODES) state.featureCodes.putIfAbsent(feature, code);
        }
        Memory encoded = code;
        return Status.of(call((lib, h) -> Direct.lk_feature_enabled(h, encoded)));
    }

    /** The value of a user-defined field ({@link Status#INVALID_ARGUMENT} when absent). */
    public String udf(String name) {
        return stringOut((lib, h) -> (buf, len, needed) -> lib.lk_udf_value(h, name, buf, len, needed));
    }

    /** The license as a JSON object (status, features, UDFs, dates in Unix seconds). */
    public String licenseInfoJson() {
        return stringOut((lib, h) -> (buf, len, needed) -> lib.lk_license_info_json(h, buf, len, needed));
    }

    /** The redacted support bundle as a JSON object. */
    public String diagnosticsJson() {
        return stringOut((lib, h) -> (buf, len, needed) -> lib.lk_diagnostics_json(h, buf, len, needed));
    }

    /** A date of the license in Unix seconds (0: the license has no such date). */
    public long expiry(ExpiryKind kind) {
        var out = new LongByReference();
        check((lib, h) -> lib.lk_expiry(h, kind.code(), out));
        return out.getValue();
    }

    /** Offline use left before the lease expires. */
    public Duration graceRemaining() {
        var out = new LongByReference();
        check((lib, h) -> lib.lk_grace_remaining(h, out));
        return Duration.ofSeconds(out.getValue());
    }

    /**
     * Calls {@code listener} whenever the license status changes, on the thread that noticed
     * it (often a licensekit background thread); null removes it. An exception it throws is
     * dropped: it cannot cross into the native library. It must not close this client.
     */
    public void onStatusChange(Consumer<Status> listener) {
        LibLicensekit.StatusCallback callback = listener == null ? null : (status, userData) -> {
            try {
                listener.accept(Status.of(status));
            } catch (RuntimeException e) {
                // Nothing may unwind into the library's thread; the listener owns its errors.
            }
        };
        state.lock.writeLock().lock();
        try {
            if (state.handle == null) throw new IllegalStateException("licensekit: the client is closed");
            Licensing.check(NativeLoader.lib().lk_set_status_callback(state.handle, callback, null));
            // JNA frees a callback's native stub once the object is unreachable, and a call of
            // the previous callback may still be running on another thread: keep it until the
            // free, after which the library calls nothing.
            if (state.callback != null) state.retired.add(state.callback);
            state.callback = callback;
        } finally {
            state.lock.writeLock().unlock();
        }
    }

    /** Activates {@code licenseCode} on this computer (network call). */
    public void activate(String licenseCode) {
        check((lib, h) -> lib.lk_activate(h, licenseCode));
    }

    /** Renews the lease now (a background thread also does it before it ends). */
    public void refresh() {
        check((lib, h) -> lib.lk_refresh(h));
    }

    /** Gives this computer's seat back. */
    public void deactivate() {
        check((lib, h) -> lib.lk_deactivate(h));
    }

    /** Starts (or resumes) the product's trial on this computer. */
    public void startTrial() {
        check((lib, h) -> lib.lk_start_trial(h));
    }

    /** {@link #activate} on {@code executor}. */
    public CompletableFuture<Void> activateAsync(String licenseCode, Executor executor) {
        return CompletableFuture.runAsync(() -> activate(licenseCode), executor);
    }

    /** {@link #activate} on the common pool. */
    public CompletableFuture<Void> activateAsync(String licenseCode) {
        return activateAsync(licenseCode, ForkJoinPool.commonPool());
    }

    /** {@link #refresh} on the common pool. */
    public CompletableFuture<Void> refreshAsync() {
        return CompletableFuture.runAsync(this::refresh);
    }

    /** {@link #deactivate} on the common pool. */
    public CompletableFuture<Void> deactivateAsync() {
        return CompletableFuture.runAsync(this::deactivate);
    }

    /** An armoured activation request for an air-gapped computer. */
    public String offlineActivationRequest(String licenseCode) {
        return stringOut((lib, h) -> (buf, len, needed) -> lib.lk_offline_activation_request(h, licenseCode, buf, len, needed));
    }

    /** Imports an activation certificate or a passive license. */
    public void importCertificate(String text) {
        check((lib, h) -> lib.lk_import_certificate(h, text));
    }

    /** Removes the license and returns the deactivation certificate for the vendor. */
    public String offlineDeactivationCertificate() {
        return stringOut((lib, h) -> (buf, len, needed) -> lib.lk_offline_deactivation_certificate(h, buf, len, needed));
    }

    /** Takes a floating seat of {@code feature}, kept by heartbeats until checked in. */
    public void floatingCheckout(String feature) {
        check((lib, h) -> lib.lk_floating_checkout(h, feature));
    }

    /** Checks a floating seat out for {@code days} days (long-term check-out). */
    public void floatingCheckoutLongTerm(String feature, int days) {
        check((lib, h) -> lib.lk_floating_checkout_long_term(h, feature, days));
    }

    /** Gives the floating seat of {@code feature} back. */
    public void floatingCheckin(String feature) {
        check((lib, h) -> lib.lk_floating_checkin(h, feature));
    }

    /** Draws {@code n} elements from an element pool. */
    public void poolCheckout(String feature, int n) {
        check((lib, h) -> lib.lk_pool_checkout(h, feature, n));
    }

    /** Returns {@code n} elements to an element pool. */
    public void poolCheckin(String feature, int n) {
        check((lib, h) -> lib.lk_pool_checkin(h, feature, n));
    }

    /** Spends {@code n} consumption tokens; returns the tokens left. */
    public long consumeTokens(String feature, int n) {
        var remaining = new LongByReference();
        check((lib, h) -> lib.lk_consume_tokens(h, feature, n, remaining));
        return remaining.getValue();
    }

    /** Opens this process's cloud-concurrency session. */
    public void sessionOpen() {
        check((lib, h) -> lib.lk_session_open(h));
    }

    /** Closes the cloud-concurrency session. */
    public void sessionClose() {
        check((lib, h) -> lib.lk_session_close(h));
    }

    /** Frees the client, once calls in progress are done; no status change is reported after. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
