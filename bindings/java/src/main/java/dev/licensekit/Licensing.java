package dev.licensekit;

import java.nio.charset.StandardCharsets;

/** Process-wide calls: versions, status names, the computer ID, system details. */
public final class Licensing {
    /** The licensekit version this binding was built for. */
    public static final String BUILT_FOR_VERSION = NativeLoader.BUILT_FOR_VERSION;

    private Licensing() {}

    /** The native library's version (equal to {@link #BUILT_FOR_VERSION}: checked at load). */
    public static String version() {
        return NativeLoader.loaded().version();
    }

    /** The native library file in use (a path, or the name JNA's search found). */
    public static String libraryFile() {
        return NativeLoader.loaded().file();
    }

    /** The C name of a status number, e.g. {@code LK_NOT_ACTIVATED}. */
    public static String statusName(int code) {
        return NativeLoader.lib().lk_status_name(code);
    }

    /** A short English message for a status number. */
    public static String statusMessage(int code) {
        return NativeLoader.lib().lk_status_message(code);
    }

    /** This computer's 20-character ID for a product. */
    public static String computerId(String productId) {
        return stringOut((buf, len, needed) -> NativeLoader.lib().lk_computer_id(productId, buf, len, needed));
    }

    /** This computer's system details as a JSON object (the seed's field names). */
    public static String systemDetailsJson() {
        return stringOut((buf, len, needed) -> NativeLoader.lib().lk_system_details_json(buf, len, needed));
    }

    /** A C function that fills a buffer by the size-query convention. */
    @FunctionalInterface
    interface Filler {
        int fill(byte[] buf, LibLicensekit.SizeT len, LibLicensekit.SizeTByReference needed);
    }

    /** The detail of the last failure on this thread. */
    static String lastError() {
        var needed = new LibLicensekit.SizeTByReference();
        LibLicensekit lib = NativeLoader.lib();
        if (lib.lk_last_error_message(null, new LibLicensekit.SizeT(0), needed) != Status.BUFFER_TOO_SMALL.code()) {
            return "";
        }
        byte[] buf = new byte[(int) needed.value()];
        if (lib.lk_last_error_message(buf, new LibLicensekit.SizeT(buf.length), needed) != Status.OK.code()) return "";
        return new String(buf, 0, buf.length - 1, StandardCharsets.UTF_8);
    }

    static void check(int status) {
        if (status != Status.OK.code()) {
            String detail = lastError();
            throw new LicensekitException(status, detail.isEmpty() ? statusMessage(status) : detail);
        }
    }

    /** Asks for the size, then fills a buffer of that size. */
    static String stringOut(Filler filler) {
        var needed = new LibLicensekit.SizeTByReference();
        int first = filler.fill(null, new LibLicensekit.SizeT(0), needed);
        if (first != Status.BUFFER_TOO_SMALL.code()) check(first);
        byte[] buf = new byte[(int) needed.value()];
        check(filler.fill(buf, new LibLicensekit.SizeT(buf.length), needed));
        return new String(buf, 0, (int) needed.value() - 1, StandardCharsets.UTF_8);
    }
}
