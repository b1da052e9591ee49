using System;
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

        /// <summary>The delegate the library holds a function pointer to, if any.</summary>
        internal Native.StatusCallback Callback;

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Native.Library.lk_client_free(handle);
            Callback = null;
            return true;
        }
    }
}
