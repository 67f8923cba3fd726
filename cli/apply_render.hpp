#pragma once
// Rendering shared by nxp apply, lock and bundle: the apply diff for people and as JSON,
// and the keys a bundle is verified against.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "formats/desired.hpp"
#include "txn/apply.hpp"
#include "txn/bundle.hpp"

namespace nxp::cli {

std::string render_diff(const Context& ctx, const txn::ApplyDiff& diff);
nlohmann::json diff_json(const txn::ApplyDiff& diff);
std::size_t change_count(const txn::ApplyDiff& diff);

// --key arguments (.pub files or base64 lines) as signers, and the apply file's repository
// keys.
Result<txn::BundleTrust> bundle_anchors(const std::vector<std::string>& keys,
                                        const formats::Desired& desired);

}  // namespace nxp::cli
