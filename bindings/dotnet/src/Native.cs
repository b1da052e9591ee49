using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Licensekit
{
    /// <summary>
    /// The C functions of include/licensekit.h, bound once per process from the library found
    /// by <see cref="Load"/>.
    /// </summary>
    internal sealed class Native
    {
        /// <summary>The licensekit version this binding was built for (checked against lk_version()).</summary>
        public const string BuiltForVersion = "0.1.0";

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate IntPtr StaticString();
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate IntPtr StatusString(uint status);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status BufferOut(byte[] buf, UIntPtr len, out UIntPtr needed);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status StringBufferOut(byte[] arg, byte[] buf, UIntPtr len, out UIntPtr needed);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ConfigNew(byte[] productId, out ConfigHandle cfg);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate void Free(IntPtr handle);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ConfigString(ConfigHandle cfg, byte[] value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ConfigUInt(ConfigHandle cfg, uint value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ConfigAppVersion(ConfigHandle cfg, byte[] version, byte[] build, byte[] edition);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientNew(ConfigHandle cfg, out ClientHandle client);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientCall(ClientHandle client);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientString(ClientHandle client, byte[] value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientCString(ClientHandle client, IntPtr value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientStringUInt(ClientHandle client, byte[] value, uint n);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientBufferOut(ClientHandle client, byte[] buf, UIntPtr len, out UIntPtr needed);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientStringBufferOut(ClientHandle client, byte[] arg, byte[] buf, UIntPtr len, out UIntPtr needed);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientInt64Out(ClientHandle client, out long value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ClientExpiry(ClientHandle client, uint kind, out long value);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status ConsumeTokens(ClientHandle client, byte[] feature, uint n, out ulong remaining);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate void StatusCallback(Status status, IntPtr userData);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] public delegate Status SetStatusCallback(ClientHandle client, StatusCallback callback, IntPtr userData);

        public readonly string File;
        public readonly string Version;
        public readonly StatusString lk_status_name, lk_status_message;
        public readonly BufferOut lk_last_error_message, lk_system_details_json;
        public readonly StringBufferOut lk_computer_id;
        public readonly ConfigNew lk_config_new;
        public readonly Free lk_config_free, lk_client_free;
        public readonly ConfigString lk_config_add_public_key, lk_config_set_store_dir, lk_config_set_server_url,
            lk_config_set_proxy, lk_config_set_ca_file, lk_config_set_client_id;
        public readonly ConfigUInt lk_config_set_timeout_ms;
        public readonly ConfigAppVersion lk_config_set_app_version;
        public readonly ClientNew lk_client_new;
        public readonly ClientCall lk_license_status, lk_refresh, lk_deactivate, lk_start_trial, lk_session_open, lk_session_close;
        public readonly ClientString lk_feature_enabled, lk_activate, lk_import_certificate, lk_floating_checkout, lk_floating_checkin;
        /// <summary>lk_feature_enabled with a feature code already in native memory (the hot path).</summary>
        public readonly ClientCString lk_feature_enabled_cstring;
        public readonly ClientStringUInt lk_floating_checkout_long_term, lk_pool_checkout, lk_pool_checkin;
        public readonly ClientBufferOut lk_client_computer_id, lk_license_info_json, lk_diagnostics_json, lk_offline_deactivation_certificate;
        public readonly ClientStringBufferOut lk_udf_value, lk_offline_activation_request;
        public readonly ClientInt64Out lk_grace_remaining;
        public readonly ClientExpiry lk_expiry;
        public readonly ConsumeTokens lk_consume_tokens;
        public readonly SetStatusCallback lk_set_status_callback;

        private static readonly Lazy<Native> Instance = new Lazy<Native>(Load);

        /// <summary>The library of this process, found and checked on first use.</summary>
        public static Native Library => Instance.Value;

        private Native(NativeLoader lib, string version)
        {
            File = lib.File;
            Version = version;
            lk_status_name = lib.Function<StatusString>("lk_status_name");
            lk_status_message = lib.Function<StatusString>("lk_status_message");
            lk_last_error_message = lib.Function<BufferOut>("lk_last_error_message");
            lk_system_details_json = lib.Function<BufferOut>("lk_system_details_json");
            lk_computer_id = lib.Function<StringBufferOut>("lk_computer_id");
            lk_config_new = lib.Function<ConfigNew>("lk_config_new");
            lk_config_free = lib.Function<Free>("lk_config_free");
            lk_client_free = lib.Function<Free>("lk_client_free");
            lk_config_add_public_key = lib.Function<ConfigString>("lk_config_add_public_key");
            lk_config_set_store_dir = lib.Function<ConfigString>("lk_config_set_store_dir");
            lk_config_set_server_url = lib.Function<ConfigString>("lk_config_set_server_url");
            lk_config_set_proxy = lib.Function<ConfigString>("lk_config_set_proxy");
            lk_config_set_ca_file = lib.Function<ConfigString>("lk_config_set_ca_file");
            lk_config_set_client_id = lib.Function<ConfigString>("lk_config_set_client_id");
            lk_config_set_timeout_ms = lib.Function<ConfigUInt>("lk_config_set_timeout_ms");
            lk_config_set_app_version = lib.Function<ConfigAppVersion>("lk_config_set_app_version");
            lk_client_new = lib.Function<ClientNew>("lk_client_new");
            lk_license_status = lib.Function<ClientCall>("lk_license_status");
            lk_refresh = lib.Function<ClientCall>("lk_refresh");
            lk_deactivate = lib.Function<ClientCall>("lk_deactivate");
            lk_start_trial = lib.Function<ClientCall>("lk_start_trial");
            lk_session_open = lib.Function<ClientCall>("lk_session_open");
            lk_session_close = lib.Function<ClientCall>("lk_session_close");
            lk_feature_enabled = lib.Function<ClientString>("lk_feature_enabled");
            lk_feature_enabled_cstring = lib.Function<ClientCString>("lk_feature_enabled");
            lk_activate = lib.Function<ClientString>("lk_activate");
            lk_import_certificate = lib.Function<ClientString>("lk_import_certificate");
            lk_floating_checkout = lib.Function<ClientString>("lk_floating_checkout");
            lk_floating_checkin = lib.Function<ClientString>("lk_floating_checkin");
            lk_floating_checkout_long_term = lib.Function<ClientStringUInt>("lk_floating_checkout_long_term");
            lk_pool_checkout = lib.Function<ClientStringUInt>("lk_pool_checkout");
            lk_pool_checkin = lib.Function<ClientStringUInt>("lk_pool_checkin");
            lk_client_computer_id = lib.Function<ClientBufferOut>("lk_client_computer_id");
            lk_license_info_json = lib.Function<ClientBufferOut>("lk_license_info_json");
            lk_diagnostics_json = lib.Function<ClientBufferOut>("lk_diagnostics_json");
            lk_offline_deactivation_certificate = lib.Function<ClientBufferOut>("lk_offline_deactivation_certificate");
            lk_udf_value = lib.Function<ClientStringBufferOut>("lk_udf_value");
            lk_offline_activation_request = lib.Function<ClientStringBufferOut>("lk_offline_activation_request");
            lk_grace_remaining = lib.Function<ClientInt64Out>("lk_grace_remaining");
            lk_expiry = lib.Function<ClientExpiry>("lk_expiry");
            lk_consume_tokens = lib.Function<ConsumeTokens>("lk_consume_tokens");
            lk_set_status_callback = lib.Function<SetStatusCallback>("lk_set_status_callback");
        }

        /// <summary>
        /// Opens the library at <paramref name="file"/> and checks that it is
        /// <see cref="BuiltForVersion"/>; a <see cref="DllNotFoundException"/> naming the file and
        /// both versions otherwise.
        /// </summary>
        internal static Native Open(string file)
        {
            string error;
            var lib = NativeLoader.TryOpen(file, out error);
            if (lib == null) throw new DllNotFoundException("licensekit: cannot load " + file + ": " + error);
            return Checked(lib);
        }

        private static Native Checked(NativeLoader lib)
        {
            string version = Utf8.Decode(lib.Function<StaticString>("lk_version")());
            if (version != BuiltForVersion)
            {
                throw new DllNotFoundException("licensekit: " + lib.File + " is licensekit " + version +
                    ", but this binding was built for " + BuiltForVersion +
                    "; install the matching library or point LICENSEKIT_LIBRARY at it");
            }
            return new Native(lib, version);
        }

        /// <summary>
        /// Finds the library: <c>LICENSEKIT_LIBRARY</c> (the file itself) if set, else next to
        /// this assembly, else the system's library search.
        /// </summary>
        private static Native Load()
        {
            string fromEnv = Environment.GetEnvironmentVariable("LICENSEKIT_LIBRARY");
            if (!string.IsNullOrEmpty(fromEnv)) return Open(fromEnv);
            var tried = new List<string>();
            string here = Path.GetDirectoryName(typeof(Native).Assembly.Location);
            if (!string.IsNullOrEmpty(here))
            {
                string beside = Path.Combine(here, NativeLoader.FileName);
                if (System.IO.File.Exists(beside)) return Open(beside);
                tried.Add(beside);
            }
            foreach (string name in NativeLoader.SystemNames)
            {
                string error;
                var lib = NativeLoader.TryOpen(name, out error);
                if (lib != null) return Checked(lib);
                tried.Add(name + " (" + error + ")");
            }
            throw new DllNotFoundException("licensekit: the native library was not found; tried " +
                string.Join(", ", tried) + ". Set LICENSEKIT_LIBRARY to the library file, or place it next to " +
                "Licensekit.dll.");
        }
    }
}
