// SPDX-License-Identifier: MIT
#pragma once
// lastref::byo lookup structures — a user's own lookup (the kobject pattern:
// publish an object, look it up and take a reference while the structure
// protects it, unlink it in the release under the lock the last put takes)
// put under the fuzzer's lookup-table scenarios in place of lastref's.
//
// Contract: a table is a class template over a Platform P and the object
// type T the scenarios store (T has a kref member `ref`; lastref owns it):
//
//   template <class P, class T> class my_table {
//    public:
//     my_table();                        // empty
//     void publish(int key, T* obj);     // before any thread runs; key in
//                                        // [0, lastref's max_objects)
//     template <class Found>
//     void lookup(int key, Found&& found);
//       // if key is present, call found(obj) exactly once while obj cannot
//       // be freed (found takes the reference: get_unless_zero, which may
//       // fail on a dying object); absent: do not call it
//     Lockable& lock();                  // the lock kref_put_mutex takes
//                                        // (lock()/unlock(); e.g. P::mutex)
//     void unlink(int key, T* obj, bool locked);
//       // from the release: remove key if it still maps to obj. `locked`:
//       // lock() is held (the last put was put_mutex); either way unlink
//       // returns with it released
//   };
//
// lastref_add_primitive(... KIND kref|refcount TABLE my::table) registers it
// with the user's kref or refcount; lookup_table_template<X> checks the
// members at registration. Write shared state with P::template atomic<U>,
// P::template cell<U> and P::mutex so the model sees every access (a plain
// member is invisible to its race detector).
//
// Lifetime rule: the table outlives every object it publishes (the
// scenarios free it last); after unlink the table must not touch obj.
//
// Memory ordering: the table's own; what lookup's protection must give is
// that found(obj) happens-before the release that frees obj.

#include <concepts>
#include <mutex>

#include <lastref/kref.h>
#include <lastref/platform.h>

namespace lastref::byo {

namespace detail {
// Stands in for the scenarios' object in the registration check.
struct probe_object {
  basic_kref<std_platform> ref;
};
}  // namespace detail

template <template <class, class> class X>
concept lookup_table_template = std::default_initializable<X<std_platform, detail::probe_object>> &&
    requires(X<std_platform, detail::probe_object>& t, detail::probe_object* o, bool locked) {
  t.publish(0, o);
  t.lookup(0, [](detail::probe_object*) {});
  t.lock().lock();
  t.lock().unlock();
  t.unlink(0, o, locked);
};

}  // namespace lastref::byo
