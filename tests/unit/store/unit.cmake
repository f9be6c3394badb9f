# unit_store: the typed suite over the three backends, plus SQLite, Redis (a private
# redis-server on loopback) and Replica tests, and the pure helpers.
backstop_unit_test(unit_store store/store_suite_test.cpp store/keys_test.cpp
                              store/sqlite_test.cpp store/redis_test.cpp store/replica_test.cpp
                              store/backends.cpp store/redis_server.cpp)
target_link_libraries(unit_store PRIVATE backstop_store)
target_include_directories(unit_store PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/store)
