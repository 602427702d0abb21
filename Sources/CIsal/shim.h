#include <isa-l/igzip_lib.h>

// ISAL_DEF_LVL1_DEFAULT is a macro built from other macros, which Swift cannot import:
// this makes the level-1 work buffer's size callable.
static inline unsigned int lifeboat_isal_level1_buffer_size(void) {
    return ISAL_DEF_LVL1_DEFAULT;
}
