package dev.licensekit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * A client configuration: the product, the trusted vendor keys, the server and the store. A
 * {@link Client} copies it, so it may be closed right after. One thread at a time.
 */
public final class Config implements AutoCloseable {
    private Pointer handle;

    /** A configuration for {@code productId} ({@code [0-9A-Za-z_-]{1,64}}). */
    public Config(String productId) {
        var out = new PointerByReference();
        Licensing.check(NativeLoader.lib().lk_config_new(productId, out));
        handle = out.getValue();
    }

    Pointer handle() {
        if (handle == null) throw new IllegalStateException("licensekit: the configuration is closed");
        return handle;
    }

    /** Trusts a vendor public key (64 hex characters); call again for key rotation. */
    public Config addPublicKey(String hex) {
        Licensing.check(NativeLoader.lib().lk_config_add_public_key(handle(), hex));
        return this;
    }

    /** Keeps the store in this directory instead of the per-user default. */
    public Config storeDir(String path) {
        Licensing.check(NativeLoader.lib().lk_config_set_store_dir(handle(), path));
        return this;
    }

    /** The license server's base URL; without it the client works offline only. */
    public Config serverUrl(String url) {
        Licensing.check(NativeLoader.lib().lk_config_set_server_url(handle(), url));
        return this;
    }

    /** Bounds every network call (1 to 600000 ms; default 10000). */
    public Config timeoutMs(int ms) {
        Licensing.check(NativeLoader.lib().lk_config_set_timeout_ms(handle(), ms));
        return this;
    }

    /** An HTTP proxy URL ({@code http://[user:pass@]host:port}), crossed with CONNECT. */
    public Config proxy(String url) {
        Licensing.check(NativeLoader.lib().lk_config_set_proxy(handle(), url));
        return this;
    }

    /** A PEM file of CA certificates to trust for the server's TLS certificate. */
    public Config caFile(String path) {
        Licensing.check(NativeLoader.lib().lk_config_set_ca_file(handle(), path));
        return this;
    }

    /** Binds passive licenses to this client ID instead of the computer ID. */
    public Config clientId(String id) {
        Licensing.check(NativeLoader.lib().lk_config_set_client_id(handle(), id));
        return this;
    }

    /** The application's version, build and edition, reported with the system details. */
    public Config appVersion(String version, String build, String edition) {
        Licensing.check(NativeLoader.lib().lk_config_set_app_version(handle(), version, build, edition));
        return this;
    }

    @Override
    public void close() {
        if (handle != null) {
            NativeLoader.lib().lk_config_free(handle);
            handle = null;
        }
    }
}
