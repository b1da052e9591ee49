// licensekit for C++17: a thin RAII layer over the C API of include/licensekit.h.
//
// Handles own their C objects (freed in destructors, movable, not copyable); failures throw
// licensekit::Error carrying the lk_status, its name and the thread's last-error detail.
// Questions answered by a status (is this licensed? is this feature enabled?) return the
// status instead of throwing, so a hot path never pays for exceptions. Capacity taken from the
// server (a floating seat, element-pool elements, a concurrency session) comes as a
// licensekit::Checkout that gives it back when destroyed.
//
//   licensekit::Config config("6872450105");
//   config.add_public_key("3b6a27bc...");
//   config.set_server_url("https://licensing.example.com");
//   licensekit::Client client(config);
//   if (client.status() == LK_NOT_ACTIVATED) client.activate("206454320110930859");
//   if (client.feature_enabled("EXPORT") == LK_OK) { ... }
//   client.on_status_change([](lk_status s) { std::fprintf(stderr, "%s\n", lk_status_name(s)); });
//   {
//       licensekit::Checkout seat = client.floating_seat("SOLVER");  // LK_SEATS_EXHAUSTED throws
//       ...                                                          // checked in at the brace
//   }

#ifndef LICENSEKIT_HPP
#define LICENSEKIT_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

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

// The status callback's target: registered once per client as the C callback's user_data (so
// it outlives moves of the Client), it holds the std::function that is current. The C library
// may still be inside a call of the previous function when a new one is registered, so each
// call takes its own reference and a replaced function is destroyed after its last call.
class StatusListener {
public:
    using Function = std::function<void(lk_status)>;

    void set(Function function) {
        auto next = function ? std::make_shared<const Function>(std::move(function)) : nullptr;
        std::lock_guard<std::mutex> lock(mutex_);
        function_ = std::move(next);
    }

    // The C callback. An exception must not cross into the library: it is dropped here.
    static void call(lk_status status, void *self) noexcept {
        auto *listener = static_cast<StatusListener *>(self);
        std::shared_ptr<const Function> function;
        {
            std::lock_guard<std::mutex> lock(listener->mutex_);
            function = listener->function_;
        }
        if (!function) return;
        try {
            (*function)(status);
        } catch (...) {
        }
    }

private:
    std::mutex mutex_;
    std::shared_ptr<const Function> function_;
};

}  // namespace detail

// Capacity held on the license server for this client: a floating seat, elements drawn from
// an element pool, or the process's concurrency session (see Client::floating_seat,
// Client::pool_elements, Client::session). The destructor gives it back, ignoring a failure
// (a seat already lost, a server out of reach: the server frees it when its heartbeats stop);
// release() gives it back now and throws on failure. Movable, not copyable; it must not
// outlive the Client it came from.
class Checkout {
public:
    Checkout(Checkout &&other) noexcept { take(other); }
    Checkout &operator=(Checkout &&other) noexcept {
        if (this != &other) {
            give_back();
            take(other);
        }
        return *this;
    }
    Checkout(const Checkout &) = delete;
    Checkout &operator=(const Checkout &) = delete;
    ~Checkout() { give_back(); }

    // Gives the capacity back now; throws licensekit::Error if the server refuses.
    void release() { detail::check(give_back()); }
    // False once given back (or moved from).
    bool held() const noexcept { return client_ != nullptr; }
    const std::string &feature_code() const noexcept { return code_; }

private:
    friend class Client;
    using GiveBack = lk_status (*)(const lk_client *, const char *, std::uint32_t);

    Checkout(const lk_client *client, std::string code, std::uint32_t count, GiveBack give_back)
        : client_(client), code_(std::move(code)), count_(count), give_back_(give_back) {}

    lk_status give_back() noexcept {
        if (client_ == nullptr) return LK_OK;
        const lk_client *client = client_;
        client_ = nullptr;
        return give_back_(client, code_.c_str(), count_);
    }
    void take(Checkout &other) noexcept {
        client_ = std::exchange(other.client_, nullptr);
        code_ = std::move(other.code_);
        count_ = other.count_;
        give_back_ = other.give_back_;
    }

    const lk_client *client_ = nullptr;
    std::string code_;
    std::uint32_t count_ = 0;
    GiveBack give_back_ = nullptr;
};

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
    void set_lan_server(const std::string &address) {
        detail::check(lk_config_set_lan_server(get(), address.c_str()));
    }
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
    Client(Client &&) noexcept = default;
    // The client assigned over is freed (its callback with it) before its listener.
    Client &operator=(Client &&) noexcept = default;
    // Unregisters the callback and frees the client, which waits for a callback running on a
    // background thread; only then is the listener destroyed.
    ~Client() {
        if (handle_ && listener_) lk_set_status_callback(handle_.get(), nullptr, nullptr);
        handle_.reset();
    }

    // Calls `callback` with the new status whenever the license status changes (found by
    // the background refresh, by the lease running out offline, or by an online call), on
    // the thread that noticed it: it must be thread-safe, and what it throws is dropped. It
    // stays alive while registered; an empty function unregisters it.
    void on_status_change(std::function<void(lk_status)> callback) {
        if (!callback) {
            detail::check(lk_set_status_callback(get(), nullptr, nullptr));
            if (listener_) listener_->set(nullptr);
            return;
        }
        if (!listener_) listener_.reset(new detail::StatusListener());
        listener_->set(std::move(callback));
        detail::check(lk_set_status_callback(get(), &detail::StatusListener::call, listener_.get()));
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
    // A named user signs in instead of typing a license code.
    void activate_user(const std::string &username, const std::string &password) {
        detail::check(lk_activate_user(get(), username.c_str(), password.c_str()));
    }

    // Usage events: queued at once, delivered by the background thread.
    void track_event(const std::string &name, const std::string &json_payload = std::string()) {
        detail::check(lk_track_event(get(), name.c_str(), json_payload.c_str()));
    }
    std::uint64_t flush_events() {
        std::uint64_t sent = 0;
        detail::check(lk_flush_events(get(), &sent));
        return sent;
    }

    // Network seats from the site's LAN daemon.
    void activate_lan() { detail::check(lk_activate_lan(get())); }
    void borrow_lan(std::uint32_t days) { detail::check(lk_borrow_lan(get(), days)); }

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

    // Shared capacity, held while the Checkout lives. Tokens are spent, never given back.
    Checkout floating_seat(const std::string &code) {
        floating_checkout(code);
        return Checkout(get(), code, 0, [](const lk_client *c, const char *f, std::uint32_t) {
            return lk_floating_checkin(c, f);
        });
    }
    Checkout pool_elements(const std::string &code, std::uint32_t n) {
        pool_checkout(code, n);
        return Checkout(get(), code, n, &lk_pool_checkin);
    }
    Checkout session() {
        session_open();
        return Checkout(get(), std::string(), 0,
                        [](const lk_client *c, const char *, std::uint32_t) { return lk_session_close(c); });
    }

    // The same calls without a guard (a long-term check-out outlives the process).
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
    // Declared first: a move assignment frees the old client before its listener.
    std::unique_ptr<lk_client, Free> handle_;
    std::unique_ptr<detail::StatusListener> listener_;
};

}  // namespace licensekit

#endif  // LICENSEKIT_HPP
