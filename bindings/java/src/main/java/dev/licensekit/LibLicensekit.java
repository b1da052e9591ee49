package dev.licensekit;

import com.sun.jna.Callback;
import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The C functions of include/licensekit.h as JNA sees them. Strings are UTF-8 both ways (the
 * library is loaded with that string encoding); lk_status is a uint32_t, read as int.
 */
interface LibLicensekit extends Library {
    /** A C size_t, whatever its width on this platform. */
    final class SizeT extends IntegerType {
        private static final long serialVersionUID = 1L;

        public SizeT() {
            this(0);
        }

        public SizeT(long value) {
            super(Native.SIZE_T_SIZE, value, true);
        }
    }

    /** A size_t out-parameter. */
    final class SizeTByReference extends ByReference {
        public SizeTByReference() {
            super(Native.SIZE_T_SIZE);
        }

        public long value() {
            return Native.SIZE_T_SIZE == 8 ? getPointer().getLong(0) : getPointer().getInt(0) & 0xffffffffL;
        }
    }

    /** lk_status_callback. */
    interface StatusCallback extends Callback {
        void invoke(int status, Pointer userData);
    }

    String lk_version();
    String lk_status_name(int status);
    String lk_status_message(int status);
    int lk_last_error_message(byte[] buf, SizeT len, SizeTByReference needed);
    int lk_computer_id(String productId, byte[] buf, SizeT len, SizeTByReference needed);
    int lk_system_details_json(byte[] buf, SizeT len, SizeTByReference needed);

    int lk_config_new(String productId, PointerByReference out);
    void lk_config_free(Pointer cfg);
    int lk_config_add_public_key(Pointer cfg, String hex);
    int lk_config_set_store_dir(Pointer cfg, String path);
    int lk_config_set_server_url(Pointer cfg, String url);
    int lk_config_set_timeout_ms(Pointer cfg, int ms);
    int lk_config_set_proxy(Pointer cfg, String url);
    int lk_config_set_ca_file(Pointer cfg, String path);
    int lk_config_set_client_id(Pointer cfg, String id);
    int lk_config_set_app_version(Pointer cfg, String version, String build, String edition);

    int lk_client_new(Pointer cfg, PointerByReference out);
    void lk_client_free(Pointer client);
    int lk_client_computer_id(Pointer client, byte[] buf, SizeT len, SizeTByReference needed);
    int lk_udf_value(Pointer client, String name, byte[] buf, SizeT len, SizeTByReference needed);
    int lk_license_info_json(Pointer client, byte[] buf, SizeT len, SizeTByReference needed);
    int lk_diagnostics_json(Pointer client, byte[] buf, SizeT len, SizeTByReference needed);
    int lk_expiry(Pointer client, int kind, LongByReference unixSeconds);
    int lk_grace_remaining(Pointer client, LongByReference seconds);
    int lk_set_status_callback(Pointer client, StatusCallback callback, Pointer userData);

    int lk_activate(Pointer client, String code);
    int lk_refresh(Pointer client);
    int lk_deactivate(Pointer client);
    int lk_start_trial(Pointer client);
    int lk_offline_activation_request(Pointer client, String code, byte[] buf, SizeT len, SizeTByReference needed);
    int lk_import_certificate(Pointer client, String text);
    int lk_offline_deactivation_certificate(Pointer client, byte[] buf, SizeT len, SizeTByReference needed);

    int lk_floating_checkout(Pointer client, String feature);
    int lk_floating_checkout_long_term(Pointer client, String feature, int days);
    int lk_floating_checkin(Pointer client, String feature);
    int lk_pool_checkout(Pointer client, String feature, int n);
    int lk_pool_checkin(Pointer client, String feature, int n);
    int lk_consume_tokens(Pointer client, String feature, int n, LongByReference remaining);
    int lk_session_open(Pointer client);
    int lk_session_close(Pointer client);
}
