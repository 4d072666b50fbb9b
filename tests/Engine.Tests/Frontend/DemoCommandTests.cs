using Engine.Cli;
using Engine.Cli.Commands.Demo;
using Engine.Training;
using Xunit;

namespace Engine.Tests.Frontend;

/// <summary>`engine demo --quick` runs the whole pipeline end to end; the digits fallback shapes.</summary>
[Collection("Console")]
public class DemoCommandTests
{
    [Fact]
    public void QuickDemoTrainsCompilesAndComparesWithOrt()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"engine-demo-{Guid.NewGuid():N}");
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        int code;
        try
        {
            code = Program.Main(["demo", "--quick", "--threads", "1", "--out", dir]);
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
        try
        {
            string output = o.ToString();
            Assert.True(code == 0, e.ToString() + output);
            Assert.Contains("Total params: 61,706", output);
            Assert.Matches(@"test accuracy \d+\.\d\d%", output);
            Assert.Contains("match the reference executor", output);
            Assert.Matches(@"fp32\s+\d+\.\d\d%\s+\d+\.\d\d%\s+\d+\.\d\d%\s+\d+\.\d µs\s+\d+\.\d µs", output);
            Assert.True(new FileInfo(Path.Combine(dir, "lenet5.onnx")).Length > 200_000);
            Assert.True(File.Exists(Path.Combine(dir, "lenet5-training.png")));

            // A second run into the same explicit folder must not replace the files there.
            Console.SetOut(TextWriter.Null);
            var err = new StringWriter();
            Console.SetError(err);
            try
            {
                Assert.Equal(2, Program.Main(["demo", "--quick", "--out", dir]));
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
            Assert.Contains("exists; choose an empty folder", err.ToString());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DigitsFallbackIsUpscaledToLeNetInput()
    {
        var digits = new Dataset("d", Enumerable.Range(0, 128).Select(i => i / 128f).ToArray(), [64], [3, 7], 10);
        var up = DemoData.Upscale(digits);
        Assert.Equal([1, 28, 28], up.SampleShape);
        Assert.Equal(2, up.Count);
        Assert.Equal(0f, up.Features[0]);
        // Pixel (0,0) of sample 1 fills rows/cols 2..4 of its 28×28 image.
        Assert.Equal(64 / 128f, up.Features[784 + 2 * 28 + 2]);
        Assert.Equal(64 / 128f, up.Features[784 + 4 * 28 + 4]);
        Assert.Equal(65 / 128f, up.Features[784 + 2 * 28 + 5]);
        Assert.Equal(0f, up.Features[784 + 26 * 28 + 26]);
    }
}
