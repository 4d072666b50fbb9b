using Engine.Cli;
using Engine.Tests.Support;

namespace Engine.Tests.Training;

/// <summary>`engine train` through Program.Main: the per-epoch lines, the final line, bad options.</summary>
[Collection("Console")]
public class TrainCliTests
{
    private static (int Code, string Out, string Err) Engine(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            return (Program.Main(args), o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void TrainsPrintsEpochsAndEndsWithTestAccuracy()
    {
        var save = Path.Combine(Path.GetTempPath(), $"engine-train-{Guid.NewGuid():N}.onnx");
        try
        {
            var (code, output, err) = Engine("train", "--model", "mlp", "--dataset", "digits", "--epochs", "3", "--optimizer", "adamw", "--lr", "0.003",
                "--schedule", "warmup:10+cosine", "--data-dir", Paths.SharedPath("datasets"), "--save", save);
            Assert.True(code == 0, err);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal) && l.Contains("loss=") && l.Contains("val_accuracy=") && l.EndsWith('s')));
            Assert.Matches(@"^test_accuracy=0\.\d{4}$", lines[^1]);
            Assert.True(double.Parse(lines[^1]["test_accuracy=".Length..], System.Globalization.CultureInfo.InvariantCulture) > 0.8);
            Assert.True(new FileInfo(save).Length > 30_000);
        }
        finally
        {
            File.Delete(save);
        }
    }

    [Theory]
    [InlineData("--optimizer", "lion", "unknown optimizer 'lion'")]
    [InlineData("--schedule", "linear", "schedule 'linear'")]
    [InlineData("--batch", "0", "--batch must be")]
    [InlineData("--backend", "gpu", "--backend 'gpu'")]
    public void BadOptionsAreOneLineErrors(string option, string value, string message)
    {
        var (code, _, err) = Engine("train", "--model", "mlp", "--dataset", "digits", "--epochs", "1", "--data-dir", Paths.SharedPath("datasets"), option, value);
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(message, lines[0]);
    }
}
