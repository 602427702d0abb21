#include <gpgme.h>

// gpgme_check_version is a macro that adds a struct offset check; Swift cannot import it.
static inline const char *lifeboat_gpgme_check_version(const char *required) {
    return gpgme_check_version(required);
}
