// The header compiled as C++ (-std=c++17 -Wall -Wextra -Werror), and a few calls through it.

#include "licensekit.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "check.h"

static_assert(LK_OK == 0, "LK_OK is 0");
static_assert(LK_STORE_CORRUPT == 301, "frozen status numbers");
static_assert(sizeof(lk_status) == sizeof(std::uint32_t), "lk_status is 32 bits, as in C");
static_assert(std::is_same<std::underlying_type<lk_status>::type, std::uint32_t>::value,
              "lk_status has uint32_t underneath in C++");
static_assert(std::is_same<decltype(lk_client_new(nullptr, nullptr)), lk_status>::value,
              "functions return lk_status");

namespace {

// A string out of a licensekit function, through the size query.
template <typename F>
std::string string_out(F call) {
    std::size_t needed = 0;
    lk_status st = call(nullptr, 0, &needed);
    CHECK_STATUS(st, LK_BUFFER_TOO_SMALL);
    REQUIRE(needed > 0 && needed < 65536);
    std::vector<char> buf(needed, '\0');
    CHECK_STATUS(call(buf.data(), buf.size(), &needed), LK_OK);
    CHECK(needed == buf.size());
    buf.back() = '\0';
    return std::string(buf.data());
}

}  // namespace

int main() {
    CHECK_STR_EQ(lk_version(), LK_VERSION);
    CHECK_STR_EQ(lk_status_name(LK_NOT_ACTIVATED), "LK_NOT_ACTIVATED");
    CHECK_STR_EQ(lk_status_name(12345u), "LK_UNKNOWN_STATUS");
    CHECK(std::strlen(lk_status_message(LK_OK)) > 0);

    lk_config *cfg = nullptr;
    CHECK_STATUS(lk_config_new(nullptr, &cfg), LK_NULL_POINTER);
    CHECK(cfg == nullptr);
    std::string message = string_out([](char *b, std::size_t n, std::size_t *need) {
        return lk_last_error_message(b, n, need);
    });
    CHECK(message == "a required pointer argument was NULL: product_id");

    std::string id = string_out([](char *b, std::size_t n, std::size_t *need) {
        return lk_computer_id("6872450105", b, n, need);
    });
    CHECK(is_computer_id(id.c_str()));

    std::string details = string_out([](char *b, std::size_t n, std::size_t *need) {
        return lk_system_details_json(b, n, need);
    });
    CHECK(json_is_object(details.c_str()));

    char *dir = make_temp_dir("cpp");
    CHECK_STATUS(lk_config_new("6872450105", &cfg), LK_OK);
    CHECK_STATUS(lk_config_add_public_key(
                     cfg, "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"),
                 LK_OK);
    CHECK_STATUS(lk_config_set_store_dir(cfg, dir), LK_OK);
    lk_client *client = nullptr;
    CHECK_STATUS(lk_client_new(cfg, &client), LK_OK);
    lk_config_free(cfg);
    std::string client_id = string_out([client](char *b, std::size_t n, std::size_t *need) {
        return lk_client_computer_id(client, b, n, need);
    });
    CHECK(is_computer_id(client_id.c_str()));
    lk_client_free(client);
    lk_client_free(nullptr);
    lk_config_free(nullptr);
    CHECK(remove_tree(dir) == 0);
    std::free(dir);
    return check_done();
}
