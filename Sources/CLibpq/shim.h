// libpq, imported as is: its API has no macros or variadics that Swift needs.
#include <libpq-fe.h>
