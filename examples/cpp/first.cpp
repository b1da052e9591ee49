// A first licensekit program in C++: activate a license code, check a feature, hold a
// floating seat for a while, deactivate.
//
//   cmake -S examples/cpp -B build -DCMAKE_PREFIX_PATH=/opt/licensekit   (after scripts/install)
//   cmake --build build && build/first PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]
//
// Prints each step; exits 1 with the status name and detail when a step fails.

#include <cstdio>
#include <string>

#include <licensekit.hpp>

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        std::fprintf(stderr, "usage: %s PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]\n", argv[0]);
        return 2;
    }
    try {
        licensekit::Config config(argv[1]);
        config.add_public_key(argv[2]);
        config.set_server_url(argv[3]);
        if (argc == 6) config.set_store_dir(argv[5]);
        licensekit::Client client(config);
        client.on_status_change([](lk_status s) { std::printf("status now %s\n", lk_status_name(s)); });
        std::printf("licensekit %s, computer ID %s\n", licensekit::version().c_str(), client.computer_id().c_str());

        if (client.status() != LK_OK) client.activate(argv[4]);
        lk_status exported = client.feature_enabled("EXPORT");
        std::printf("EXPORT: %s\n", exported == LK_OK ? "enabled" : lk_status_name(exported));
        {
            licensekit::Checkout seat = client.floating_seat("SOLVER");
            std::printf("SOLVER seat held: %s\n", lk_status_name(client.feature_enabled("SOLVER")));
        }  // the seat is checked in here
        client.deactivate();
        std::printf("deactivated: %s\n", lk_status_name(client.status()));
    } catch (const licensekit::Error &e) {
        std::fprintf(stderr, "licensekit: %s\n", e.what());
        return 1;
    }
    return 0;
}
