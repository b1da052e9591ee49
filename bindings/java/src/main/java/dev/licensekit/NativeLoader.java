package dev.licensekit;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.File;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds, loads and checks the native library, once per process.
 *
 * <p>Where it is looked for, first found wins: {@code LICENSEKIT_LIBRARY} (the library file
 * itself); next to the jar (or class directory) holding this class, where an application
 * bundles it; then JNA's own search ({@code jna.library.path}, the system's library path).
 * The library must be the version this binding was built for: another version is refused
 * with an error naming both versions and the file, never a crash later on.
 */
final class NativeLoader {
    /** The licensekit version this binding was built for (checked against lk_version()). */
    static final String BUILT_FOR_VERSION = "0.1.0";

    private static final Map<String, Object> OPTIONS = Map.of(Library.OPTION_STRING_ENCODING, "UTF-8");

    /** The library and where it was loaded from. */
    record Loaded(LibLicensekit lib, String file, String version) {}

    private NativeLoader() {}

    private static final class Holder {
        static final Loaded LOADED = load();
    }

    /** The process's library (found and checked on first use). */
    static Loaded loaded() {
        return Holder.LOADED;
    }

    static LibLicensekit lib() {
        return Holder.LOADED.lib();
    }

    /** Loads {@code file} and checks its version (an UnsatisfiedLinkError otherwise). */
    static Loaded open(String file) {
        LibLicensekit lib = Native.load(file, LibLicensekit.class, OPTIONS);
        String version = lib.lk_version();
        if (!BUILT_FOR_VERSION.equals(version)) {
            throw new UnsatisfiedLinkError("licensekit: " + file + " is licensekit " + version
                    + ", but this binding was built for " + BUILT_FOR_VERSION
                    + "; install the matching library or point LICENSEKIT_LIBRARY at it");
        }
        return new Loaded(lib, file, version);
    }

    /** Loads {@code file}, checks it, and binds the direct-mapped hot path to it. */
    private static Loaded openForProcess(String file) {
        Loaded loaded = open(file);
        Direct.bind(file);
        return loaded;
    }

    private static Loaded load() {
        String fromEnv = System.getenv("LICENSEKIT_LIBRARY");
        if (fromEnv != null && !fromEnv.isEmpty()) return openForProcess(fromEnv);
        List<String> tried = new ArrayList<>();
        File beside = besideThisPackage();
        if (beside != null) {
            if (beside.isFile()) return openForProcess(beside.getPath());
            tried.add(beside.getPath());
        }
        try {
            return openForProcess("licensekit");
        } catch (UnsatisfiedLinkError e) {
            if (e.getMessage() != null && e.getMessage().startsWith("licensekit:")) throw e;
            tried.add("licensekit (JNA's search: " + e.getMessage() + ")");
        }
        throw new UnsatisfiedLinkError("licensekit: the native library was not found; tried "
                + String.join(", ", tried)
                + ". Set LICENSEKIT_LIBRARY to the library file, or place it next to licensekit.jar.");
    }

    /** The library's file name in the directory of this class's jar, or null when unknown. */
    private static File besideThisPackage() {
        try {
            var source = NativeLoader.class.getProtectionDomain().getCodeSource();
            if (source == null) return null;
            File location = new File(source.getLocation().toURI());
            File dir = location.isDirectory() ? location : location.getParentFile();
            return dir == null ? null : new File(dir, System.mapLibraryName("licensekit"));
        } catch (URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
