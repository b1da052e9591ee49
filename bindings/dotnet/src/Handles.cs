using System;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Licensekit
{
    /// <summary>Owns an <c>lk_config</c>: freed once, even when the owner forgets to dispose.</summary>
    internal sealed class ConfigHandle : SafeHandle
    {
        public ConfigHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Native.Library.lk_config_free(handle);
            return true;
        }
    }

    /// <summary>
    /// Owns an <c>lk_client</c>, and the status callback delegate registered on it: the
    /// delegate lives as long as the handle, so the library can never call a collected one
    /// (<c>lk_client_free</c> guarantees no call after it returns).
    /// </summary>
    internal sealed class ClientHandle : SafeHandle
    {
        public ClientHandle() : base(IntPtr.Zero, true) { }

        /// <summary>At most this many feature codes are kept in native memory per client.</summary>
        private const int MaxFeatureCodes = 256;

        /// <summary>The delegate the library holds a function pointer to, if any.</summary>
        internal Native.StatusCallback Callback;

        /// <summary>
        /// Feature codes as NUL-terminated UTF-8 in native memory: on Mono, marshalling a
        /// byte[] costs about as much as the check itself, and an application asks about the
        /// same few features over and over. Freed with the client.
        /// </summary>
        private readonly ConcurrentDictionary<string, IntPtr> featureCodes = new ConcurrentDictionary<string, IntPtr>();

        public override bool IsInvalid => handle == IntPtr.Zero;

        /// <summary>The native copy of <paramref name="feature"/>; IntPtr.Zero when the cache is full.</summary>
        internal IntPtr FeatureCode(string feature)
        {
            IntPtr code;
            if (featureCodes.TryGetValue(feature, out code)) return code;
            if (featureCodes.Count >= MaxFeatureCodes) return IntPtr.Zero;
            byte[] utf8 = Utf8.Encode(feature);
            IntPtr fresh = Marshal.AllocHGlobal(utf8.Length);
            Marshal.Copy(utf8, 0, fresh, utf8.Length);
            code = featureCodes.GetOrAdd(feature, fresh);
            if (code != fresh) Marshal.FreeHGlobal(fresh);
            return code;
        }

        protected override bool ReleaseHandle()
        {
            Native.Library.lk_client_free(handle);
            Callback = null;
            foreach (IntPtr code in featureCodes.Values) Marshal.FreeHGlobal(code);
            featureCodes.Clear();
            return true;
        }
    }
}
