// A first licensekit program in Go: activate a license code, check a feature, deactivate.
//
//	first PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]
//	first -version
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"licensekit.dev/licensekit"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-version" {
		fmt.Println("licensekit", licensekit.Version())
		return
	}
	if len(os.Args) < 5 || len(os.Args) > 6 {
		fmt.Fprintln(os.Stderr, "usage: first PRODUCT_ID PUBLIC_KEY SERVER_URL LICENSE_CODE [STORE_DIR]")
		os.Exit(2)
	}
	storeDir := ""
	if len(os.Args) == 6 {
		storeDir = os.Args[5]
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4], storeDir); err != nil {
		fmt.Fprintln(os.Stderr, "licensekit:", err)
		os.Exit(1)
	}
}

// run is the README's first program.
func run(productID, publicKey, serverURL, code, storeDir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := licensekit.NewClient(licensekit.Config{
		ProductID: productID, PublicKeys: []string{publicKey}, ServerURL: serverURL, StoreDir: storeDir})
	if err != nil {
		return err
	}
	defer client.Close()
	if client.Status() != licensekit.StatusOK {
		err := client.Activate(ctx, code)
		if errors.Is(err, licensekit.StatusActivationLimit) {
			return fmt.Errorf("every activation of this code is in use: %w", err)
		}
		if err != nil {
			return err
		}
	}
	fmt.Println("status:", client.Status().String())
	fmt.Println("EXPORT enabled:", client.FeatureEnabled("EXPORT"))
	if err := client.Deactivate(ctx); err != nil {
		return err
	}
	fmt.Println("deactivated:", client.Status().String())
	return nil
}
