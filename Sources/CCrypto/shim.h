// OpenSSL's libcrypto, for the digests and the MAC Lifeboat needs (SHA-256, MD5, HMAC-SHA256).
#include <openssl/evp.h>
#include <openssl/hmac.h>
