# libFuzzer target for the lists module (lists_fuzz.cpp): rbldnsd file parsers and writers,
# list records, and IpTable/DomainSet operations checked against simple models.
add_executable(fuzz_lists ${CMAKE_CURRENT_LIST_DIR}/lists_fuzz.cpp)
target_link_libraries(fuzz_lists PRIVATE backstop_lists)
target_link_options(fuzz_lists PRIVATE -fsanitize=fuzzer)
