using System.CommandLine;
using System.Text;
using System.Text.Json;
using Engine.Onnx;
using Engine.Onnx.Inspection;

namespace Engine.Cli.Commands;

/// <summary>
/// engine inspect MODEL [--format text|json]: signature, opsets, producer, op histogram,
/// parameters and estimated FLOPs. Works on models with ops the engine does not support yet.
/// </summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "model file: ONNX, or IR text (.ir, .txt)" };
        var format = new Option<string>("--format", "-f")
        {
            Description = "output format: 'text' (tables for people) or 'json' (for scripts)",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("inspect",
            "Summarise a model: inputs/outputs with shapes, opsets, producer, op histogram, parameters, estimated FLOPs. "
            + "Symbolic dims print by name; FLOPs need static shapes, and nodes without them are counted as unknown.")
        {
            model, format,
        };
        cmd.SetAction(p => Guard.Run(() =>
        {
            var path = p.GetValue(model)!;
            var report = Path.GetExtension(path).ToLowerInvariant() is ".ir" or ".txt"
                ? ModelInspector.Inspect(OnnxExporter.Export(ModelFormats.ReadIrText(path)), path, Path.GetDirectoryName(Path.GetFullPath(path)))
                : ModelInspector.Inspect(path);
            Console.Write(p.GetValue(format) == "json" ? ToJson(report) + "\n" : ToText(report));
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public static string ToJson(ModelReport r) => JsonSerializer.Serialize(r, new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    });

    public static string ToText(ModelReport r)
    {
        var sb = new StringBuilder();
        sb.Append($"model     {r.Path}\n");
        var producer = (r.Producer + " " + r.ProducerVersion).Trim();
        sb.Append($"producer  {(producer.Length > 0 ? producer : "(none)")}, ir_version {r.IrVersion}\n");
        if (r.GraphName.Length > 0) sb.Append($"graph     {r.GraphName}\n");
        sb.Append($"opsets    {(r.Opsets.Count == 0 ? "(none)" : string.Join(", ", r.Opsets.Select(o => $"{o.Domain} {o.Version}")))}\n");

        sb.Append("\ninputs\n");
        sb.Append(Values(r.Inputs));
        sb.Append("outputs\n");
        sb.Append(Values(r.Outputs));

        var approx = r.Parameters.Elements >= 1000 ? $" ({Units.Si(r.Parameters.Elements)})" : "";
        sb.Append($"\nparameters  {Units.Count(r.Parameters.Elements)}{approx} in {Units.Plural(r.Parameters.Tensors, "initializer")}, {Units.Bytes(r.Parameters.Bytes)}\n");
        if (r.ConstantNodes.Tensors > 0)
            sb.Append($"constants   {Units.Count(r.ConstantNodes.Elements)} elements in {Units.Plural(r.ConstantNodes.Tensors, "Constant node")}, {Units.Bytes(r.ConstantNodes.Bytes)}\n");

        sb.Append($"\nops ({Units.Plural(r.Nodes, "node")}, {Units.Plural(r.Ops.Count(o => o.Count > 0), "op type")}{(r.Subgraphs > 0 ? $", {Units.Plural(r.Subgraphs, "subgraph")} included" : "")})\n");
        var t = new TextTable("op", "nodes>", "FLOPs>", "unknown>", "note");
        foreach (var o in r.Ops)
        {
            var note = !o.Supported ? "not supported by engine" : !o.HasFlopRule ? "no FLOP rule" : "";
            if (o.Count == 0) note = (note.Length > 0 ? note + "; " : "") + "added by import";
            t.Add(o.Op, o.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Units.Si(o.Flops),
                o.FlopsUnknownNodes > 0 ? o.FlopsUnknownNodes.ToString(System.Globalization.CultureInfo.InvariantCulture) : "", note);
        }
        sb.Append(t.Render());

        var f = r.Flops;
        int all = f.KnownNodes + f.UnknownShapeNodes + f.NoRuleNodes;
        sb.Append($"\nFLOPs     {Units.Si(f.Total)} estimated over {f.KnownNodes} of {Units.Plural(all, "node")}");
        if (f.UnknownShapeNodes + f.NoRuleNodes > 0)
        {
            var parts = new List<string>();
            if (f.UnknownShapeNodes > 0) parts.Add($"{f.UnknownShapeNodes} without static shapes");
            if (f.NoRuleNodes > 0) parts.Add($"{f.NoRuleNodes} of ops with no FLOP rule");
            sb.Append($" (unknown: {string.Join(", ", parts)}; the total is a lower bound)");
        }
        sb.Append($"\n          {f.Convention}\n");
        if (r.UnsupportedOps.Count > 0) sb.Append($"\nnot supported by engine yet: {string.Join(", ", r.UnsupportedOps)}\n");
        return sb.ToString();
    }

    private static string Values(IReadOnlyList<ValueEntry> values)
    {
        if (values.Count == 0) return "  (none)\n";
        var t = new TextTable("name", "type", "shape");
        foreach (var v in values) t.Add(v.Name, v.ElementType, v.Shape);
        return t.Render();
    }
}
