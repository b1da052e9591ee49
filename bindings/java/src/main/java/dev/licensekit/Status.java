package dev.licensekit;

import java.util.HashMap;
import java.util.Map;

/**
 * The outcome of every licensekit operation: the {@code lk_status} values of
 * include/licensekit.h without their {@code LK_} prefix. HeaderTest parses the header and fails
 * when a status is missing here or has another number.
 */
public enum Status {
    OK(0),
    NULL_POINTER(1),
    INVALID_UTF8(2),
    BUFFER_TOO_SMALL(3),
    INVALID_ARGUMENT(4),
    INTERNAL(5),
    NO_PUBLIC_KEY(6),
    INVALID_PUBLIC_KEY(7),
    INVALID_PRODUCT_ID(8),
    NOT_ACTIVATED(100),
    EXPIRED(101),
    LEASE_EXPIRED(102),
    DISABLED(103),
    DEACTIVATED(104),
    WRONG_MACHINE(105),
    CLOCK_TAMPERED(106),
    VM_NOT_ALLOWED(107),
    TRIAL_EXPIRED(108),
    FEATURE_NOT_ENABLED(109),
    ACTIVATION_LIMIT(110),
    INVALID_LICENSE_CODE(111),
    TRIAL_UNAVAILABLE(112),
    NO_LICENSE(113),
    SEATS_EXHAUSTED(114),
    POOL_EXHAUSTED(115),
    TOKENS_EXHAUSTED(116),
    CONCURRENCY_LIMIT(117),
    SEAT_LOST(118),
    LONG_TERM_CHECKOUT_REFUSED(119),
    FEATURE_UNKNOWN(120),
    NO_SEAT(121),
    CLONE_DETECTED(122),
    SEAT_TAKEN(123),
    NETWORK_LICENSE_ONLY(124),
    NOT_NETWORK_LICENSE(125),
    INVALID_CREDENTIALS(126),
    USER_LOCKED(127),
    USER_NOT_LICENSED(128),
    JOURNAL_REFUSED(129),
    MALFORMED_ENVELOPE(200),
    ENVELOPE_TOO_LARGE(201),
    UNSUPPORTED_VERSION(202),
    UNKNOWN_KEY(203),
    BAD_SIGNATURE(204),
    WRONG_KIND(205),
    MALFORMED_PAYLOAD(206),
    STALE_LEASE(207),
    FUTURE_LEASE(208),
    MISMATCHED_LEASE(209),
    WRONG_PRODUCT(210),
    WRONG_REQUEST(211),
    STORE_IO(300),
    STORE_CORRUPT(301),
    STORE_TRUNCATED(302),
    STORE_VERSION(303),
    STORE_ROLLED_BACK(304),
    MACHINE_ID_UNAVAILABLE(500),
    NO_SERVER(600),
    NETWORK(601),
    TIMEOUT(602),
    SERVER_ERROR(603),
    BAD_RESPONSE(604),
    SERVER_REFUSED(605),
    CLOCK_SKEW(606),
    NO_LAN_SERVER(700),
    LAN_UNREACHABLE(701),
    NETWORK_SEATS_EXHAUSTED(702),
    DAEMON_NOT_CERTIFIED(703);

    private static final Map<Integer, Status> BY_CODE = new HashMap<>();

    static {
        for (Status s : values()) BY_CODE.put(s.code, s);
    }

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C name, e.g. {@code LK_NOT_ACTIVATED}. */
    public String cName() {
        return "LK_" + name();
    }

    /** The status of a C value; null for a number this binding does not know. */
    public static Status of(int code) {
        return BY_CODE.get(code);
    }
}
