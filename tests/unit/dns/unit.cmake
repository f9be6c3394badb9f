# The DNS codec (unit_dns: no sockets) and the DNS server end to end with dig (unit_dns_server).
backstop_unit_test(unit_dns dns/zones_test.cpp dns/answer_test.cpp dns/response_test.cpp)
target_link_libraries(unit_dns PRIVATE backstop_dns)
target_include_directories(unit_dns PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)

backstop_unit_test(unit_dns_server dns/server_test.cpp dns/client_names_test.cpp)
# backstop_dns is named here because backstop_net does not link it (yet).
target_link_libraries(unit_dns_server PRIVATE backstop_net backstop_dns)
target_include_directories(unit_dns_server PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
