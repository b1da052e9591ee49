#include "licensekit.h"
