using System;

namespace Licensekit
{
    /// <summary>Process-wide functions: versions, status names, the computer ID, system details.</summary>
    public static class Licensing
    {
        /// <summary>The licensekit version this binding was built for.</summary>
        public const string BuiltForVersion = Native.BuiltForVersion;

        /// <summary>The native library's version (equal to <see cref="BuiltForVersion"/>: checked at load).</summary>
        public static string Version => Native.Library.Version;

        /// <summary>The native library file in use (a path, or the name the system search found).</summary>
        public static string LibraryFile => Native.Library.File;

        /// <summary>The C name of a status, e.g. <c>LK_NOT_ACTIVATED</c>.</summary>
        public static string StatusName(Status status) => Utf8.Decode(Native.Library.lk_status_name((uint)status));

        /// <summary>A short English message for a status.</summary>
        public static string StatusMessage(Status status) => Utf8.Decode(Native.Library.lk_status_message((uint)status));

        /// <summary>This computer's 20-character ID for a product.</summary>
        public static string ComputerId(string productId)
        {
            byte[] product = Utf8.Encode(productId);
            return Call.StringOut((byte[] buf, UIntPtr len, out UIntPtr needed) =>
                Native.Library.lk_computer_id(product, buf, len, out needed));
        }

        /// <summary>This computer's system details as a JSON object (the seed's field names).</summary>
        public static string SystemDetailsJson() =>
            Call.StringOut((byte[] buf, UIntPtr len, out UIntPtr needed) =>
                Native.Library.lk_system_details_json(buf, len, out needed));
    }

    /// <summary>Status checking and the buffer-size convention, shared by every wrapper.</summary>
    internal static class Call
    {
        internal delegate Status Filler(byte[] buf, UIntPtr len, out UIntPtr needed);

        /// <summary>The detail of the last failure on this thread.</summary>
        internal static string LastError()
        {
            UIntPtr needed;
            var lib = Native.Library;
            if (lib.lk_last_error_message(null, UIntPtr.Zero, out needed) != Status.BufferTooSmall) return string.Empty;
            var buf = new byte[(int)needed];
            if (lib.lk_last_error_message(buf, (UIntPtr)buf.Length, out needed) != Status.Ok) return string.Empty;
            return Utf8.Decode(buf, (int)needed);
        }

        internal static void Check(Status status)
        {
            if (status != Status.Ok)
            {
                string detail = LastError();
                throw new LicensekitException(status, detail.Length > 0 ? detail : Licensing.StatusMessage(status));
            }
        }

        /// <summary>Asks for the size, then fills a buffer of that size.</summary>
        internal static string StringOut(Filler fill)
        {
            UIntPtr needed;
            Status first = fill(null, UIntPtr.Zero, out needed);
            if (first != Status.BufferTooSmall) Check(first);
            var buf = new byte[(int)needed];
            Check(fill(buf, (UIntPtr)buf.Length, out needed));
            return Utf8.Decode(buf, (int)needed);
        }
    }
}
