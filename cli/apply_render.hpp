#pragma once
// Rendering shared by nxp apply, lock and bundle: the apply diff for people and as JSON,
// and the keys a bundle is verified against.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "deploy/apply.hpp"
#include "deploy/bundle.hpp"
#include "formats/desired.hpp"

namespace nxp::cli {

std::string render_diff(const Context& ctx, const deploy::ApplyDiff& diff);
nlohmann::json diff_json(const deploy::ApplyDiff& diff);
std::size_t change_count(const deploy::ApplyDiff& diff);

// --key arguments (.pub files or base64 lines) as signers, and the apply file's repository
// keys.
Result<deploy::BundleTrust> bundle_anchors(const std::vector<std::string>& keys,
                                           const formats::Desired& desired);

}  // namespace nxp::cli
