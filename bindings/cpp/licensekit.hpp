// licensekit for C++17: a thin RAII layer over the C API of include/licensekit.h.
//
// Handles own their C objects (freed in destructors, movable, not copyable); failures throw
// licensekit::Error carrying the lk_status, its name and the thread's last-error detail.
// Questions answered by a status (is this licensed? is this feature enabled?) return the
// status instead of throwing, so a hot path never pays for exceptions.
//
//   licensekit::Config config("6872450105");
//   config.add_public_key("3b6a27bc...");
//   config.set_server_url("https://licensing.example.com");
//   licensekit::Client client(config);
//   if (client.status() == LK_NOT_ACTIVATED) client.activate("206454320110930859");
//   if (client.feature_enabled("EXPORT") == LK_OK) { ... }

#ifndef LICENSEKIT_HPP
#define LICENSEKIT_HPP

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "licensekit.h"

namespace licensekit {

// A failed licensekit call.
class Error : public std::runtime_error {
public:
    Error(lk_status status, const std::string &detail)
        : std::runtime_error(std::string(lk_status_name(status)) + ": " + detail), status_(status) {}
    lk_status status() const noexcept { return status_; }

private:
    lk_status status_;
};

namespace detail {

inline std::string last_error() {
    size_t needed = 0;
    if (lk_last_error_message(nullptr, 0, &needed) != LK_BUFFER_TOO_SMALL) return std::string();
    std::string text(needed, '\0');
    if (lk_last_error_message(&text[0], text.size(), nullptr) != LK_OK) return std::string();
    text.resize(needed - 1);
    return text;
}

inline void check(lk_status status) {
    if (status != LK_OK) throw Error(status, last_error());
}

// Calls a string-out function with the size-query convention.
template <typename F>
std::string string_out(F &&call) {
    size_t needed = 0;
    lk_status status = call(nullptr, 0, &needed);
    if (status != LK_BUFFER_TOO_SMALL) check(status);
    std::string text(needed, '\0');
    check(call(&text[0], text.size(), nullptr));
    text.resize(needed - 1);
    return text;
}

}  // namespace detail

// The library's version (the shared library's, which may differ from LK_VERSION).
inline std::string version() { return lk_version(); }

// This computer's ID for a product.
inline std::string computer_id(const std::string &product_id) {
    return detail::string_out([&](char *buf, size_t len, size_t *needed) {
        return lk_computer_id(product_id.c_str(), buf, len, needed);
    });
}

// This computer's system details, as JSON.
inline std::string system_details_json() {
    return detail::string_out([](char *buf, size_t len, size_t *needed) { return lk_system_details_json(buf, len, needed); });
}

// A client configuration (one thread at a time).
class Config {
public:
    explicit Config(const std::string &product_id) {
        lk_config *raw = nullptr;
        detail::check(lk_config_new(product_id.c_str(), &raw));
        handle_.reset(raw);
    }
    void add_public_key(const std::string &hex) { detail::check(lk_config_add_public_key(get(), hex.c_str())); }
    void set_store_dir(const std::string &path) { detail::check(lk_config_set_store_dir(get(), path.c_str())); }
    void set_server_url(const std::string &url) { detail::check(lk_config_set_server_url(get(), url.c_str())); }
    void set_timeout_ms(std::uint32_t ms) { detail::check(lk_config_set_timeout_ms(get(), ms)); }
    void set_proxy(const std::string &url) { detail::check(lk_config_set_proxy(get(), url.c_str())); }
    void set_ca_file(const std::string &path) { detail::check(lk_config_set_ca_file(get(), path.c_str())); }
    void set_client_id(const std::string &id) { detail::check(lk_config_set_client_id(get(), id.c_str())); }
    void set_app_version(const std::string &version, const std::string &build, const std::string &edition) {
        detail::check(lk_config_set_app_version(get(), version.c_str(), build.c_str(), edition.c_str()));
    }
    lk_config *get() const noexcept { return handle_.get(); }

private:
    struct Free {
        void operator()(lk_config *c) const noexcept { lk_config_free(c); }
    };
    std::unique_ptr<lk_config, Free> handle_;
};

// A licensing client for one product. Thread-safe: share it between threads freely.
class Client {
public:
    explicit Client(const Config &config) {
        lk_client *raw = nullptr;
        detail::check(lk_client_new(config.get(), &raw));
        handle_.reset(raw);
    }

    std::string computer_id() const {
        return detail::string_out(
            [&](char *buf, size_t len, size_t *needed) { return lk_client_computer_id(get(), buf, len, needed); });
    }

    // Local questions: a status, never an exception.
    lk_status status() const noexcept { return lk_license_status(get()); }
    lk_status feature_enabled(const std::string &code) const noexcept {
        return lk_feature_enabled(get(), code.c_str());
    }

    std::string udf_value(const std::string &name) const {
        return detail::string_out(
            [&](char *buf, size_t len, size_t *needed) { return lk_udf_value(get(), name.c_str(), buf, len, needed); });
    }
    std::string license_info_json() const {
        return detail::string_out(
            [&](char *buf, size_t len, size_t *needed) { return lk_license_info_json(get(), buf, len, needed); });
    }
    std::int64_t expiry(lk_expiry_kind kind) const {
        std::int64_t t = 0;
        detail::check(lk_expiry(get(), kind, &t));
        return t;
    }
    std::int64_t grace_remaining() const {
        std::int64_t s = 0;
        detail::check(lk_grace_remaining(get(), &s));
        return s;
    }

    // Online operations.
    void activate(const std::string &code) { detail::check(lk_activate(get(), code.c_str())); }
    void refresh() { detail::check(lk_refresh(get())); }
    void deactivate() { detail::check(lk_deactivate(get())); }
    void start_trial() { detail::check(lk_start_trial(get())); }

    // Air-gapped machines and passive licenses.
    std::string offline_activation_request(const std::string &code) {
        return detail::string_out([&](char *buf, size_t len, size_t *needed) {
            return lk_offline_activation_request(get(), code.c_str(), buf, len, needed);
        });
    }
    void import_certificate(const std::string &text) { detail::check(lk_import_certificate(get(), text.c_str())); }
    std::string offline_deactivation_certificate() {
        return detail::string_out([&](char *buf, size_t len, size_t *needed) {
            return lk_offline_deactivation_certificate(get(), buf, len, needed);
        });
    }

    // Shared capacity.
    void floating_checkout(const std::string &code) { detail::check(lk_floating_checkout(get(), code.c_str())); }
    void floating_checkout_long_term(const std::string &code, std::uint32_t days) {
        detail::check(lk_floating_checkout_long_term(get(), code.c_str(), days));
    }
    void floating_checkin(const std::string &code) { detail::check(lk_floating_checkin(get(), code.c_str())); }
    void pool_checkout(const std::string &code, std::uint32_t n) { detail::check(lk_pool_checkout(get(), code.c_str(), n)); }
    void pool_checkin(const std::string &code, std::uint32_t n) { detail::check(lk_pool_checkin(get(), code.c_str(), n)); }
    std::uint64_t consume_tokens(const std::string &code, std::uint32_t n) {
        std::uint64_t remaining = 0;
        detail::check(lk_consume_tokens(get(), code.c_str(), n, &remaining));
        return remaining;
    }
    void session_open() { detail::check(lk_session_open(get())); }
    void session_close() { detail::check(lk_session_close(get())); }

    lk_client *get() const noexcept { return handle_.get(); }

private:
    struct Free {
        void operator()(lk_client *c) const noexcept { lk_client_free(c); }
    };
    std::unique_ptr<lk_client, Free> handle_;
};

}  // namespace licensekit

#endif  // LICENSEKIT_HPP
