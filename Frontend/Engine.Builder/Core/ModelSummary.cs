using System.Globalization;
using System.Text;

namespace Engine.Builder;

/// <summary>Formats a model's layers, output shapes and parameter counts (PyTorch counting: buffers apart).</summary>
internal static class ModelSummary
{
    public static string Render(Model model, IReadOnlyList<LayerCall> calls)
    {
        var rows = new List<(string Layer, string Shape, string Params)>();
        var counted = new HashSet<Layer>();
        foreach (var c in calls)
        {
            long n = counted.Add(c.Layer) ? c.Layer.Parameters.Where(p => !p.IsBuffer).Sum(p => p.Count) : 0;
            string shape = string.Join(" ", c.Outputs.Select(o => Layer.ShapeText(o.Type)));
            rows.Add(($"{c.Layer.Name} ({c.Layer.TypeName})", shape, Fmt(n)));
        }
        int w0 = Math.Max(12, rows.Select(r => r.Layer.Length).DefaultIfEmpty(0).Max());
        int w1 = Math.Max(12, rows.Select(r => r.Shape.Length).DefaultIfEmpty(0).Max());
        int w2 = Math.Max(8, rows.Select(r => r.Params.Length).DefaultIfEmpty(0).Max());
        var sb = new StringBuilder();
        string rule = new('-', w0 + w1 + w2 + 4);
        sb.AppendLine($"Model: \"{model.Name}\"");
        sb.AppendLine(rule);
        sb.AppendLine($"{"Layer (type)".PadRight(w0)}  {"Output shape".PadRight(w1)}  {"Params".PadLeft(w2)}");
        sb.AppendLine(rule);
        foreach (var r in rows) sb.AppendLine($"{r.Layer.PadRight(w0)}  {r.Shape.PadRight(w1)}  {r.Params.PadLeft(w2)}");
        sb.AppendLine(rule);
        long total = model.ParameterCount, trainable = model.TrainableParameterCount;
        long buffers = model.Parameters.Where(p => p.IsBuffer).Sum(p => p.Count);
        sb.AppendLine($"Total params: {Fmt(total)}");
        sb.AppendLine($"Trainable params: {Fmt(trainable)}");
        sb.AppendLine($"Non-trainable params: {Fmt(total - trainable)}");
        if (buffers > 0) sb.AppendLine($"Buffers (running statistics): {Fmt(buffers)}");
        return sb.ToString();
    }

    private static string Fmt(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
