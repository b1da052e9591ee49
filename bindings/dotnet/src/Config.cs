using System;

namespace Licensekit
{
    /// <summary>
    /// A client configuration: the product, the trusted vendor keys, the server and the store.
    /// A <see cref="Client"/> copies it, so it may be disposed right after. One thread at a time.
    /// </summary>
    public sealed class Config : IDisposable
    {
        internal readonly ConfigHandle Handle;

        /// <summary>A configuration for <paramref name="productId"/> (<c>[0-9A-Za-z_-]{1,64}</c>).</summary>
        public Config(string productId)
        {
            Call.Check(Native.Library.lk_config_new(Utf8.Encode(productId), out Handle));
        }

        /// <summary>Trusts a vendor public key (64 hex characters); call again for key rotation.</summary>
        public void AddPublicKey(string hex) => Call.Check(Native.Library.lk_config_add_public_key(Handle, Utf8.Encode(hex)));

        /// <summary>The store directory instead of the per-user default.</summary>
        public string StoreDir { set { Call.Check(Native.Library.lk_config_set_store_dir(Handle, Utf8.Encode(value))); } }

        /// <summary>The license server's base URL; without it the client works offline only.</summary>
        public string ServerUrl { set { Call.Check(Native.Library.lk_config_set_server_url(Handle, Utf8.Encode(value))); } }

        /// <summary>Bounds every network call (1 to 600000 ms; default 10000).</summary>
        public uint TimeoutMs { set { Call.Check(Native.Library.lk_config_set_timeout_ms(Handle, value)); } }

        /// <summary>An HTTP proxy URL (<c>http://[user:pass@]host:port</c>), crossed with CONNECT.</summary>
        public string Proxy { set { Call.Check(Native.Library.lk_config_set_proxy(Handle, Utf8.Encode(value))); } }

        /// <summary>A PEM file of CA certificates to trust for the server's TLS certificate.</summary>
        public string CaFile { set { Call.Check(Native.Library.lk_config_set_ca_file(Handle, Utf8.Encode(value))); } }

        /// <summary>Binds passive licenses to this client ID instead of the computer ID.</summary>
        public string ClientId { set { Call.Check(Native.Library.lk_config_set_client_id(Handle, Utf8.Encode(value))); } }

        /// <summary>The application's version, build and edition, reported with the system details.</summary>
        public void SetAppVersion(string version, string build, string edition) =>
            Call.Check(Native.Library.lk_config_set_app_version(Handle, Utf8.Encode(version), Utf8.Encode(build),
                Utf8.Encode(edition)));

        public void Dispose() => Handle.Dispose();
    }
}
