#include <catch2/catch.hpp>

#include "server/http/buffer_pool.h"

using silt::server::BufferPool;

TEST_CASE("a returned buffer is handed out again", "[buffer_pool]") {
  BufferPool pool(2);
  char* first;
  {
    auto b = pool.take();
    REQUIRE(b);
    first = b.data();
    first[BufferPool::kBufferSize - 1] = 'x';  // the whole size is usable
    CHECK(pool.idle() == 0);
  }
  CHECK(pool.idle() == 1);
  auto again = pool.take();
  CHECK(again.data() == first);
  CHECK(pool.idle() == 0);
}

TEST_CASE("idle buffers beyond the cap are freed", "[buffer_pool]") {
  BufferPool pool(2);
  {
    auto a = pool.take(), b = pool.take(), c = pool.take();
    CHECK(a.data() != b.data());
    CHECK(b.data() != c.data());
  }
  CHECK(pool.idle() == 2);
}

TEST_CASE("moving a buffer moves its ownership", "[buffer_pool]") {
  BufferPool pool(4);
  auto a = pool.take();
  char* p = a.data();
  BufferPool::Buffer b = std::move(a);
  CHECK(b.data() == p);
  CHECK(pool.idle() == 0);
  b = pool.take();  // the old buffer goes back as b takes a new one
  CHECK(pool.idle() == 1);
  BufferPool::Buffer empty;
  CHECK_FALSE(empty);
}
