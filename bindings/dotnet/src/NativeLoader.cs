using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace Licensekit
{
    /// <summary>
    /// Opens a shared library by path and looks up its symbols, on Linux, macOS and Windows.
    /// </summary>
    /// <remarks>
    /// .NET Standard 2.0 has no NativeLibrary resolver, so a <c>DllImport("licensekit")</c>
    /// could not honour <c>LICENSEKIT_LIBRARY</c> or a copy next to the application: the
    /// binding opens the file itself and calls its functions through marshalled delegates.
    /// </remarks>
    internal sealed class NativeLoader
    {
        private const int RTLD_NOW = 2;

        private static class Linux
        {
            [DllImport("libdl.so.2")] public static extern IntPtr dlopen(byte[] file, int mode);
            [DllImport("libdl.so.2")] public static extern IntPtr dlsym(IntPtr handle, byte[] name);
            [DllImport("libdl.so.2")] public static extern IntPtr dlerror();
        }

        private static class MacOS
        {
            [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlopen(byte[] file, int mode);
            [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlsym(IntPtr handle, byte[] name);
            [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlerror();
        }

        private static class Windows
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            public static extern IntPtr LoadLibraryW(string file);
            [DllImport("kernel32", CharSet = CharSet.Ansi, BestFitMapping = false)]
            public static extern IntPtr GetProcAddress(IntPtr module, string name);
        }

        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        private static readonly bool IsMacOS = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);

        private readonly IntPtr handle;

        /// <summary>The path or name the library was opened by.</summary>
        public string File { get; }

        private NativeLoader(string file, IntPtr handle)
        {
            File = file;
            this.handle = handle;
        }

        /// <summary>The file name of the library on this platform.</summary>
        public static string FileName => IsWindows ? "licensekit.dll" : IsMacOS ? "liblicensekit.dylib" : "liblicensekit.so";

        /// <summary>The names the system's own search knows the library by, the versioned one first.</summary>
        public static IEnumerable<string> SystemNames =>
            IsWindows ? new[] { "licensekit.dll" }
            : IsMacOS ? new[] { "liblicensekit.0.dylib", "liblicensekit.dylib" }
            : new[] { "liblicensekit.so.0", "liblicensekit.so" };

        /// <summary>Opens <paramref name="file"/>; null with the loader's reason when it cannot.</summary>
        public static NativeLoader TryOpen(string file, out string error)
        {
            IntPtr h;
            if (IsWindows)
            {
                h = Windows.LoadLibraryW(file);
                error = h == IntPtr.Zero ? "LoadLibrary failed with error " + Marshal.GetLastWin32Error() : null;
            }
            else
            {
                h = IsMacOS ? MacOS.dlopen(Utf8.Encode(file), RTLD_NOW) : Linux.dlopen(Utf8.Encode(file), RTLD_NOW);
                error = h == IntPtr.Zero ? Utf8.Decode(IsMacOS ? MacOS.dlerror() : Linux.dlerror()) : null;
            }
            return h == IntPtr.Zero ? null : new NativeLoader(file, h);
        }

        /// <summary>The delegate for the exported function <paramref name="name"/>.</summary>
        public T Function<T>(string name) where T : class
        {
            IntPtr address = IsWindows ? Windows.GetProcAddress(handle, name)
                : IsMacOS ? MacOS.dlsym(handle, Utf8.Encode(name)) : Linux.dlsym(handle, Utf8.Encode(name));
            if (address == IntPtr.Zero)
            {
                throw new EntryPointNotFoundException("licensekit: " + File + " has no function " + name +
                    " (is it liblicensekit?)");
            }
            return Marshal.GetDelegateForFunctionPointer<T>(address);
        }
    }

    /// <summary>NUL-terminated UTF-8 both ways (.NET Standard 2.0 has no UTF-8 string marshalling).</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>The string as NUL-terminated UTF-8 (null stays null).</summary>
        public static byte[] Encode(string text)
        {
            if (text == null) return null;
            var bytes = new byte[Strict.GetByteCount(text) + 1];
            Strict.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        /// <summary>The NUL-terminated UTF-8 string at <paramref name="p"/> (empty for NULL).</summary>
        public static string Decode(IntPtr p)
        {
            if (p == IntPtr.Zero) return string.Empty;
            int length = 0;
            while (Marshal.ReadByte(p, length) != 0) length++;
            var bytes = new byte[length];
            Marshal.Copy(p, bytes, 0, length);
            return Strict.GetString(bytes);
        }

        /// <summary>The first <paramref name="needed"/> - 1 bytes of a filled buffer.</summary>
        public static string Decode(byte[] buffer, int needed) => Strict.GetString(buffer, 0, Math.Max(needed - 1, 0));
    }
}
