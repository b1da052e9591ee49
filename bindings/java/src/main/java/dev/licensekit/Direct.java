package dev.licensekit;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The local checks, bound by JNA's direct mapping: an interface-mapped call goes through a
 * proxy and reflection (microseconds), a direct one is a plain JNI call, which matters on a
 * hot path. Feature codes are passed as NUL-terminated UTF-8 in native memory, encoded once
 * per client and code by {@link Client} (a byte[] would be copied in and out at every call).
 */
final class Direct {
    private Direct() {}

    /** Binds the natives below to the library at {@code file} (already checked by NativeLoader). */
    static void bind(String file) {
        Native.register(Direct.class, NativeLibrary.getInstance(file));
    }

    static native int lk_license_status(Pointer client);

    static native int lk_feature_enabled(Pointer client, Pointer featureUtf8);
}
