module licensekit.dev/licensekit

go 1.19
