// The parts of stb_image / stb_image_write vigil uses (implementations compiled once in stb_impl.cpp).
#pragma once

#include <stb_image.h>
#include <stb_image_write.h>
