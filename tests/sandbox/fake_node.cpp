// A stand-in for node in the host-tools tests: an ELF executable that prints a version.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::puts("v21.4.0");
        return 0;
    }
    return 2;
}
