// The planning arithmetic of `jwtx bench` (tools/jwtx/bench/planning.h) on hand-made reports.
#ifdef JWTX_CAPACITY

#include <gtest/gtest.h>

#include "tools/jwtx/bench/planning.h"

namespace {

using namespace jwtx::capacity;

point measured(loop_mode mode, unsigned workers, double rate, double p99_ms, bool saturated) {
  point p;
  p.mode = mode;
  p.workers = workers;
  p.offered_rps = mode == loop_mode::open ? rate : kNotMeasured;
  p.achieved_rps = rate;
  p.rps_per_core = rate / workers;
  p.latency.p99 = p99_ms;
  p.saturated = saturated;
  return p;
}

// Closed loop 1 worker 1000/s, 2 workers 1800/s (efficiency 0.9); open loop at 2 workers.
report two_workers() {
  report r;
  r.closed_loop = {measured(loop_mode::closed, 1, 1000, 50, false),
                   measured(loop_mode::closed, 2, 1800, 60, false)};
  r.open_loop = {measured(loop_mode::open, 2, 400, 0.5, false),
                 measured(loop_mode::open, 2, 1000, 2.0, false),
                 measured(loop_mode::open, 2, 1600, 8.0, false),
                 measured(loop_mode::open, 2, 1700, 1.0, true)};  // saturated: never used
  return r;
}

TEST(CapacityPlanning, HighestRateUnderTheBoundSetsThePerCoreRate) {
  const plan p = make_plan(two_workers(), {10000, 5, 2, 0.3});
  ASSERT_TRUE(p.feasible) << p.sentence;
  EXPECT_DOUBLE_EQ(p.rps_per_core_at_p99, 500);  // 1000/s on 2 workers (1600/s missed 5 ms)
  EXPECT_DOUBLE_EQ(p.scaling_efficiency, 0.9);
  // Nodes of 2 cores = the measured workers: no efficiency factor. 10000 / 500 / 0.7 = 28.6.
  EXPECT_EQ(p.cores, 29u);
  EXPECT_EQ(p.nodes, 15u);
  EXPECT_NE(p.sentence.find("29 cores = 15 nodes of 2 cores"), std::string::npos) << p.sentence;
}

TEST(CapacityPlanning, LargerNodesApplyTheMeasuredScalingEfficiency) {
  const plan p = make_plan(two_workers(), {10000, 5, 8, 0.3});
  // 10000 / (500 * 0.9) / 0.7 = 31.7 -> 32 cores, 4 nodes of 8.
  EXPECT_EQ(p.cores, 32u);
  EXPECT_EQ(p.nodes, 4u);
  EXPECT_NE(p.sentence.find("scaling efficiency 0.90"), std::string::npos) << p.sentence;
}

TEST(CapacityPlanning, ZeroHeadroomIsExactAndDoesNotRoundUpACore) {
  const plan p = make_plan(two_workers(), {5000, 5, 2, 0});
  EXPECT_EQ(p.cores, 10u);  // 5000 / 500 exactly
  EXPECT_EQ(p.nodes, 5u);
}

TEST(CapacityPlanning, NoFeasiblePointSaysSoWithTheBestP99) {
  const plan p = make_plan(two_workers(), {10000, 0.1, 2, 0.3});
  EXPECT_FALSE(p.feasible);
  EXPECT_EQ(p.cores, 0u);
  EXPECT_EQ(p.nodes, 0u);
  EXPECT_NE(p.sentence.find("No measured rate met p99 <= 0.1 ms"), std::string::npos);
  EXPECT_NE(p.sentence.find("best p99 seen: 0.5 ms"), std::string::npos) << p.sentence;
}

TEST(CapacityPlanning, NoOpenLoopPointIsNotFeasible) {
  report r = two_workers();
  r.open_loop.clear();
  const plan p = make_plan(r, {1000, 5, 2, 0.3});
  EXPECT_FALSE(p.feasible);
  EXPECT_NE(p.sentence.find("no open-loop point"), std::string::npos);
}

TEST(CapacityPlanning, OneWorkerCountMeansEfficiencyOne) {
  report r = two_workers();
  r.closed_loop.pop_back();
  EXPECT_DOUBLE_EQ(make_plan(r, {1000, 5, 16, 0.3}).scaling_efficiency, 1.0);
  // Super-linear scaling is capped at 1.
  r.closed_loop.push_back(measured(loop_mode::closed, 2, 2500, 1, false));
  EXPECT_DOUBLE_EQ(make_plan(r, {1000, 5, 16, 0.3}).scaling_efficiency, 1.0);
}

TEST(CapacityPlanning, BadRequestsAreRejected) {
  EXPECT_TRUE(check_plan_request({0, 5, 2, 0.3}));  // R = 0
  EXPECT_TRUE(check_plan_request({-1, 5, 2, 0.3}));
  EXPECT_TRUE(check_plan_request({1000, 0, 2, 0.3}));  // L = 0
  EXPECT_TRUE(check_plan_request({1000, 5, 0, 0.3}));  // no cores per node
  EXPECT_TRUE(check_plan_request({1000, 5, 2, 1.0}));  // headroom >= 1
  EXPECT_TRUE(check_plan_request({1000, 5, 2, -0.1}));
  EXPECT_FALSE(check_plan_request({1000, 5, 2, 0}));
  const plan p = make_plan(two_workers(), {1000, 5, 2, 1.0});
  EXPECT_FALSE(p.feasible);
  EXPECT_NE(p.sentence.find("--headroom"), std::string::npos);
}

}  // namespace

#endif  // JWTX_CAPACITY
