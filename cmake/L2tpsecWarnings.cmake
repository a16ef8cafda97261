# Warnings every target of the project builds with.
add_compile_options(-Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual
                    -Wstrict-prototypes -Wmissing-prototypes -Wvla
                    -Wformat=2 -Wno-unused-parameter)
if(CMAKE_BUILD_TYPE MATCHES "Rel")
  add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
add_compile_definitions(_GNU_SOURCE)
