using System.Text.Json;
using System.Text.RegularExpressions;
using Engine.Cli;
using Engine.Tests.Support;

namespace Engine.Tests.Codegen;

/// <summary><c>engine bench</c>: output format (text and JSON, with and without ORT) and one-line errors.</summary>
[Collection("Console")]
public class CliBenchCommandTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var o = new StringWriter();
        var e = new StringWriter();
        try
        {
            Console.SetOut(o);
            Console.SetError(e);
            return (Program.Main(args), o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private static string Mnist => Path.Combine(Paths.SharedPath("models", "mnist"), "model.onnx");

    [Fact]
    public void TextOutputHasEngineAndOrtStatisticsAndTheRatio()
    {
        var set = Path.Combine(Paths.SharedPath("models", "mnist"), "test_data_set_0");
        var (code, output, err) = Cli("bench", Mnist, "--threads", "1", "--warmup", "1", "--iters", "3", "--input-dir", set, "--compare-ort");
        Assert.True(code == ExitCodes.Ok, err);
        var lines = output.Trim().Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^model .*mnist.*model\.onnx  backend cpu \(\d+ generated, \d+ fallbacks?.*\)  threads 1  warmup 1  iters 3$", lines[0]);
        const string stats = @"median \d+\.\d{3} ms  p10 \d+\.\d{3} ms  p90 \d+\.\d{3} ms$";
        Assert.Matches("^engine  " + stats, lines[1]);
        Assert.Matches("^ort     " + stats, lines[2]);
        Assert.Matches(@"^ratio engine/ort \(median\) \d+\.\d{3}$", lines[3]);
        // p10 <= median <= p90
        var v = Regex.Matches(lines[1], @"\d+\.\d{3}").Select(m => double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(v[1] <= v[0] && v[0] <= v[2], lines[1]);
    }

    [Fact]
    public void JsonOutputOnTheReferenceBackendWithRandomInputs()
    {
        var (code, output, err) = Cli("bench", Mnist, "--backend", "reference", "--threads", "1", "--warmup", "0", "--iters", "2", "--json");
        Assert.True(code == ExitCodes.Ok, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("reference", root.GetProperty("backend").GetString());
        Assert.Equal(2, root.GetProperty("iters").GetInt32());
        Assert.True(root.GetProperty("engine").GetProperty("median_ms").GetDouble() > 0);
        Assert.False(root.TryGetProperty("ort", out _));
    }

    [Theory]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    [InlineData("--iters", "0", "--iters must be at least 1")]
    [InlineData("--backend", "gpu", "--backend 'gpu' is not available")]
    public void BadOptionsGiveOneLineErrors(string option, string value, string message)
    {
        var (code, output, err) = Cli("bench", Mnist, option, value);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(message, err);
    }

    [Fact]
    public void MissingModelIsAOneLineError()
    {
        var (code, _, err) = Cli("bench", Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("model file not found", err);
    }
}
