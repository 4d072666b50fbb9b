using System.Globalization;
using Spectre.Console;

namespace Engine.Cli.Commands.Demo;

/// <summary>The demo's final table: one row per variant (a Spectre table on a terminal, plain aligned text when piped).</summary>
internal static class DemoTable
{
    private static readonly string[] Headers =
        ["variant", "test acc (Engine)>", "test acc (ORT)>", "argmax agree>", "Engine p50>", "ORT p50>", "Engine ÷ ORT>", "ONNX file>", "weights>"];

    public static void Print(IReadOnlyList<DemoVariant> rows, int threads)
    {
        var cells = rows.Select(Cells).ToList();
        string caption = $"batch 1, {threads} thread{(threads == 1 ? "" : "s")}, medians of alternating runs; accuracy on the whole test set";
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            var t = new TextTable(Headers);
            foreach (var c in cells) t.Add(c);
            Console.Write(t.Render());
            Console.WriteLine("  " + caption);
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Caption(Markup.Escape(caption));
        foreach (var h in Headers)
        {
            var col = new TableColumn(Markup.Escape(h.TrimEnd('>')));
            if (h.EndsWith('>')) col.RightAligned();
            table.AddColumn(col);
        }
        foreach (var c in cells) table.AddRow(c.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }

    private static string[] Cells(DemoVariant v) =>
    [
        v.Name,
        Pct(v.EngineAccuracy),
        Pct(v.OrtAccuracy),
        Pct(v.ArgmaxAgreement),
        Us(v.EngineMicros),
        Us(v.OrtMicros),
        v.Ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×",
        Units.Bytes(v.OnnxBytes),
        Units.Bytes(v.WeightBytes),
    ];

    private static string Pct(double v) => (100 * v).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string Us(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " µs";
}
