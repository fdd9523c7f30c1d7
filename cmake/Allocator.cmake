# The allocator of Voronka's programs: mimalloc (Debian's libmimalloc-dev)
# in place of glibc's malloc. The engine makes and frees a few small blocks
# per event (deal blobs, texts, lists); mimalloc serves them from per-size
# free lists in fewer instructions and touches less memory doing it
# (`make bench`: runtime_bench, sim_bench). Linked as a shared library ahead
# of libstdc++ and libc, its malloc, free and operator new replace theirs
# for the whole process, libraries included.
#
# Off under the sanitizers (they bring an allocator of their own) and in the
# fuzz build; -DVORONKA_MIMALLOC=OFF builds with glibc's malloc.
if(VORONKA_FUZZ OR CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  set(mimalloc_by_default OFF)
else()
  set(mimalloc_by_default ON)
endif()
option(VORONKA_MIMALLOC "Link the programs with mimalloc" ${mimalloc_by_default})

# Programs link voronka_allocator; VORONKA_MIMALLOC=1 tells a program's code
# which allocator it runs on (runtime_bench counts heap bytes through it).
add_library(voronka_allocator INTERFACE)
if(VORONKA_MIMALLOC)
  find_package(mimalloc 2.0 REQUIRED)
  target_link_libraries(voronka_allocator INTERFACE mimalloc)
  target_compile_definitions(voronka_allocator INTERFACE VORONKA_MIMALLOC=1)
endif()
