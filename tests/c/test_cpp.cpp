// The C++ RAII layer (bindings/cpp/licensekit.hpp) against the real server: handles freed by
// destructors, failures as licensekit::Error with their status, questions as statuses, the
// status callback as a std::function, and capacity held by Checkout guards.

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "licensekit.hpp"

template <typename F>
static lk_status thrown(F &&f) {
    try {
        f();
    } catch (const licensekit::Error &e) {
        return e.status();
    }
    return LK_OK;
}

int main() {
    const char *url = std::getenv("LK_TEST_SERVER_URL");
    const char *key = std::getenv("LK_TEST_PUBLIC_KEY");
    const char *product = std::getenv("LK_TEST_PRODUCT");
    const char *code = std::getenv("LK_TEST_LICENSE_CODE");
    const char *capacity = std::getenv("LK_TEST_CAPACITY_CODE");
    REQUIRE(url && key && product && code && capacity);
    char *dir = make_temp_dir("cpp");
    char *dir2 = make_temp_dir("cpp-capacity");

    CHECK(licensekit::version() == LK_VERSION);
    CHECK(is_computer_id(licensekit::computer_id(product).c_str()));
    CHECK(licensekit::system_details_json().find("\"vmplatform\"") != std::string::npos);
    CHECK_STATUS(thrown([] { licensekit::Config bad("not a product"); }), LK_INVALID_PRODUCT_ID);
    CHECK_STATUS(thrown([&] {
                     licensekit::Config no_key(product);
                     no_key.set_store_dir(dir);
                     licensekit::Client client(no_key);
                 }),
                 LK_NO_PUBLIC_KEY);
    try {
        licensekit::Error e(LK_DISABLED, "detail");
        CHECK(std::string(e.what()) == "LK_DISABLED: detail");
    } catch (...) {
        CHECK(false);
    }

    licensekit::Config config(product);
    config.add_public_key(key);
    config.set_store_dir(dir);
    config.set_server_url(url);
    config.set_timeout_ms(10000);
    config.set_app_version("3.0", "1", "CPP");
    CHECK_STATUS(thrown([&] { config.set_proxy(""); }), LK_INVALID_ARGUMENT);
    licensekit::Client client(config);
    CHECK_STATUS(client.status(), LK_NOT_ACTIVATED);
    // The callback, a lambda owning what it captures, sees each change; one that throws
    // does not take the library down; an empty function unregisters.
    std::mutex seen_mutex;
    std::vector<lk_status> seen;
    auto record = [&](lk_status s) {
        {
            std::lock_guard<std::mutex> lock(seen_mutex);
            seen.push_back(s);
        }
        throw std::runtime_error("not for the library");
    };
    auto seen_now = [&] {
        std::lock_guard<std::mutex> lock(seen_mutex);
        return seen;
    };
    client.on_status_change([](lk_status) { CHECK(false); });
    client.on_status_change(record);
    CHECK_STATUS(thrown([&] { client.activate("000000000000000000"); }), LK_INVALID_LICENSE_CODE);
    client.activate(code);
    CHECK_STATUS(client.status(), LK_OK);
    CHECK(seen_now() == std::vector<lk_status>{LK_OK});
    CHECK_STATUS(client.feature_enabled("EXPORT"), LK_OK);
    CHECK(client.udf_value("EDITION") == "pro");
    CHECK_STATUS(thrown([&] { client.udf_value("NOPE"); }), LK_INVALID_ARGUMENT);
    CHECK(client.license_info_json().find("\"LK_OK\"") != std::string::npos);
    CHECK(client.expiry(LK_EXPIRY_GRACE) > client.expiry(LK_EXPIRY_LEASE) - 1);
    CHECK(client.grace_remaining() > 0);
    CHECK(client.computer_id() == std::string(client.computer_id()));
    client.refresh();
    CHECK(client.offline_activation_request("999999999999999999").find("ACTIVATION REQUEST") != std::string::npos);
    CHECK_STATUS(thrown([&] { client.import_certificate("garbage"); }), LK_MALFORMED_ENVELOPE);
    client.deactivate();
    CHECK_STATUS(client.status(), LK_DEACTIVATED);
    CHECK(seen_now() == (std::vector<lk_status>{LK_OK, LK_DEACTIVATED}));
    client.on_status_change(nullptr);
    CHECK_STATUS(thrown([&] { client.refresh(); }), LK_NO_LICENSE);
    CHECK_STATUS(thrown([&] { client.start_trial(); }), LK_TRIAL_UNAVAILABLE);
    CHECK_STATUS(thrown([&] { client.activate_user("nobody-by-this-name", "not it"); }), LK_INVALID_CREDENTIALS);
    // Queued while deactivated (events wait for a license), so not delivered.
    client.track_event("export", "{\"pages\": 2}");
    CHECK_STATUS(thrown([&] { client.flush_events(); }), LK_NO_LICENSE);

    // Shared capacity, and a handle moved: the moved-from one frees nothing.
    config.set_store_dir(dir2);
    licensekit::Client first(config);
    int worker_changes = 0;
    first.on_status_change([&worker_changes](lk_status) { ++worker_changes; });
    licensekit::Client worker(std::move(first));
    CHECK(first.get() == nullptr);
    worker.activate(capacity);
    CHECK(worker_changes == 1);
    {
        licensekit::Checkout seat = worker.floating_seat("SOLVER");
        CHECK(seat.held() && seat.feature_code() == "SOLVER");
        CHECK_STATUS(worker.feature_enabled("SOLVER"), LK_OK);
        licensekit::Checkout moved = std::move(seat);
        CHECK(!seat.held() && moved.held());
        CHECK_STATUS(worker.feature_enabled("SOLVER"), LK_OK);
    }
    CHECK_STATUS(worker.feature_enabled("SOLVER"), LK_NO_SEAT);
    {
        // The whole pool, twice in a row: the first guard gave its elements back.
        { licensekit::Checkout all = worker.pool_elements("MESH", 1000); }
        licensekit::Checkout all = worker.pool_elements("MESH", 1000);
        CHECK_STATUS(thrown([&] { worker.pool_elements("MESH", 1); }), LK_POOL_EXHAUSTED);
        all.release();
        CHECK(!all.held());
    }
    {
        licensekit::Checkout session = worker.session();
        CHECK(session.held());
    }
    CHECK_STATUS(thrown([&] { worker.session_close(); }), LK_NO_SEAT);
    {
        licensekit::Checkout seat = worker.floating_seat("SOLVER");
        worker.floating_checkin("SOLVER");
        CHECK_STATUS(thrown([&] { seat.release(); }), LK_NO_SEAT);
    }
    worker.floating_checkout("SOLVER");
    CHECK_STATUS(worker.feature_enabled("SOLVER"), LK_OK);
    worker.floating_checkin("SOLVER");
    CHECK_STATUS(thrown([&] { worker.floating_checkin("SOLVER"); }), LK_NO_SEAT);
    worker.pool_checkout("MESH", 10);
    worker.pool_checkin("MESH", 10);
    CHECK(worker.consume_tokens("RENDER", 1) < 1000);
    CHECK_STATUS(thrown([&] { worker.floating_checkout_long_term("SOLVER", 1); }), LK_LONG_TERM_CHECKOUT_REFUSED);
    worker.session_open();
    worker.session_close();
    CHECK_STATUS(thrown([&] { worker.offline_deactivation_certificate(); }), LK_OK);
    CHECK_STATUS(worker.status(), LK_DEACTIVATED);

    remove_tree(dir);
    remove_tree(dir2);
    std::free(dir);
    std::free(dir2);
    return check_done();
}
