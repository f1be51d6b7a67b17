// The single translation unit that compiles stb's image codecs (third-party code: warnings off here).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_MAX_DIMENSIONS 16384
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "loaders/image/stb.h"
