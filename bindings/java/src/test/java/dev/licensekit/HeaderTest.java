package dev.licensekit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The binding's tables and version against include/licensekit.h ($LK_HEADER), and the check
 * of the library's version at load: a status the header gains and Status lacks fails here.
 */
class HeaderTest {
    private static String header() throws IOException {
        return Files.readString(Path.of(System.getenv("LK_HEADER")));
    }

    private static Map<String, Integer> constants(String text, String regex) {
        Map<String, Integer> found = new LinkedHashMap<>();
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        while (m.find()) found.put(m.group(1), Integer.parseInt(m.group(2)));
        return found;
    }

    @Test
    void everyStatusOfTheHeaderIsInStatusAndNothingElse() throws IOException {
        String h = header();
        int start = h.indexOf("enum lk_status");
        Map<String, Integer> fromHeader = constants(h.substring(start, h.indexOf("};", start)), "^\\s*LK_([A-Z0-9_]+) = (\\d+),");
        assertTrue(fromHeader.size() > 50, "the header parse found the statuses");
        Map<String, Integer> fromEnum = new LinkedHashMap<>();
        for (Status s : Status.values()) fromEnum.put(s.name(), s.code());
        assertEquals(fromHeader, fromEnum);
        for (Status s : Status.values()) {
            assertEquals(s.cName(), Licensing.statusName(s.code()));
            assertEquals(s, Status.of(s.code()));
        }
    }

    @Test
    void expiryKindsMatchTheHeader() throws IOException {
        Map<String, Integer> fromHeader = constants(header(), "^\\s*LK_EXPIRY_([A-Z]+) = (\\d+),");
        Map<String, Integer> fromEnum = new LinkedHashMap<>();
        for (ExpiryKind k : ExpiryKind.values()) fromEnum.put(k.name(), k.code());
        assertEquals(fromHeader, fromEnum);
    }

    @Test
    void theBindingIsBuiltForTheHeaderVersionAndLoadedIt() throws IOException {
        Matcher m = Pattern.compile("#define LK_VERSION \"([^\"]+)\"").matcher(header());
        assertTrue(m.find());
        assertEquals(m.group(1), Licensing.BUILT_FOR_VERSION);
        assertEquals(m.group(1), Licensing.version());
        assertEquals(System.getenv("LICENSEKIT_LIBRARY"), Licensing.libraryFile());
    }

    @Test
    void aLibraryOfAnotherVersionIsRefused() {
        String other = System.getenv("LK_TEST_OTHER_VERSION_LIBRARY");
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLoader.open(other));
        assertTrue(e.getMessage().contains(other) && e.getMessage().contains("licensekit 9.9.9")
                && e.getMessage().contains("built for 0.1.0"), e.getMessage());
    }

    @Test
    void aMissingLibraryIsAnError() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLoader.open("/nonexistent/liblicensekit.so"));
        assertTrue(e.getMessage().contains("/nonexistent/liblicensekit.so"), e.getMessage());
    }
}
