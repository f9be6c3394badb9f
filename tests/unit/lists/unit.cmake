# Unit tests of the lists module (src/lists).
backstop_unit_test(unit_lists lists/cidr_test.cpp lists/ip_table_test.cpp
                   lists/domain_set_test.cpp lists/rbldnsd_test.cpp lists/record_test.cpp)
target_link_libraries(unit_lists PRIVATE backstop_lists)
