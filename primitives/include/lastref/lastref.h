// SPDX-License-Identifier: MIT
#pragma once
// lastref — umbrella header: every primitive, over any Platform.
//
// Contract, lifetime and memory-ordering rules are in each header.

#include "completion.h"
#include "kref.h"
#include "module.h"
#include "platform.h"
#include "refcount.h"
#include "refcount_report.h"
#include "thread.h"
