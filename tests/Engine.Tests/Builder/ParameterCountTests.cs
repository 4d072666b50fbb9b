using Engine.Builder;
using Xunit;
using BAdd = Engine.Builder.Add;

namespace Engine.Tests.Builder;

/// <summary>Parameter counts checked by hand in the seeds and against PyTorch's for classic definitions.</summary>
public class ParameterCountTests
{
    [Fact]
    public void Conv2d_10_filters_3x3x3_plus_bias_has_280()
    {
        var m = new Sequential([3, 32, 32]).Add(new Conv2D(10, 3));
        Assert.Equal(280, m.ParameterCount);
        Assert.Contains("280", m.Summary());
    }

    [Fact]
    public void SimpleRNN_D10_M15_has_390_and_the_K1_head_16()
    {
        var m = new Sequential([7, 10]).Add(new SimpleRNN(15)).Add(new Dense(1));
        Assert.Equal(390, m.Layers[0].Parameters.Sum(p => p.Count));
        Assert.Equal(406, m.ParameterCount);
    }

    /// <summary>D2L's LeNet-5; PyTorch reports 61,706 parameters.</summary>
    [Fact]
    public void LeNet5_matches_pytorch()
    {
        var m = new Sequential([1, 28, 28])
            .Add(new Conv2D(6, 5, padding: 2, activation: "sigmoid"))
            .Add(new AvgPool2D(2))
            .Add(new Conv2D(16, 5, activation: "sigmoid"))
            .Add(new AvgPool2D(2))
            .Add(new Flatten())
            .Add(new Dense(120, "sigmoid"))
            .Add(new Dense(84, "sigmoid"))
            .Add(new Dense(10));
        Assert.Equal(61_706, m.ParameterCount);
        Assert.Equal([-1, 10], m.Outputs[0].Shape);
    }

    /// <summary>torchvision resnet18(): 11,689,512 parameters (BatchNorm running stats are buffers).</summary>
    [Fact]
    public void ResNet18_matches_pytorch()
    {
        var x = Input.Of(3, 224, 224);
        var h = new Conv2D(64, 7, stride: 2, padding: 3, useBias: false).Call(x);
        h = new ReLU().Call(new BatchNormalization().Call(h));
        h = new MaxPool2D(3, 2, padding: 1).Call(h);
        int channels = 64;
        foreach (var (width, stride) in new[] { (64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1) })
        {
            var y = new Conv2D(width, 3, stride: stride, padding: 1, useBias: false).Call(h);
            y = new ReLU().Call(new BatchNormalization().Call(y));
            y = new BatchNormalization().Call(new Conv2D(width, 3, padding: 1, useBias: false).Call(y));
            var shortcut = h;
            if (stride != 1 || channels != width)
                shortcut = new BatchNormalization().Call(new Conv2D(width, 1, stride: stride, useBias: false).Call(h));
            h = new ReLU().Call(new BAdd().Call(y, shortcut));
            channels = width;
        }
        var logits = new Dense(1000).Call(new GlobalAveragePool().Call(h));
        var model = new Model(x, logits, "resnet18");
        Assert.Equal(11_689_512, model.ParameterCount);
        Assert.Equal([-1, 1000], logits.Shape);
        Assert.Equal(9_600, model.Parameters.Where(p => p.IsBuffer).Sum(p => p.Count));
    }

    /// <summary>torchvision mobilenet_v2(): 3,504,872 parameters.</summary>
    [Fact]
    public void MobileNetV2_matches_pytorch()
    {
        var x = Input.Of(3, 224, 224);
        SymbolicTensor ConvBn(SymbolicTensor t, int c, int k, int s, int groups = 1, bool relu6 = true)
        {
            var y = new BatchNormalization().Call(new Conv2D(c, k, stride: s, padding: (k - 1) / 2, groups: groups, useBias: false).Call(t));
            return relu6 ? new ReLU6().Call(y) : y;
        }
        var h = ConvBn(x, 32, 3, 2);
        int cin = 32;
        foreach (var (t, c, n, s) in new[] { (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1) })
        {
            for (int i = 0; i < n; i++)
            {
                int stride = i == 0 ? s : 1, hidden = cin * t;
                var y = t == 1 ? h : ConvBn(h, hidden, 1, 1);
                y = ConvBn(y, hidden, 3, stride, groups: hidden);
                y = ConvBn(y, c, 1, 1, relu6: false);
                h = stride == 1 && cin == c ? new BAdd().Call(h, y) : y;
                cin = c;
            }
        }
        h = ConvBn(h, 1280, 1, 1);
        var logits = new Dense(1000).Call(new Dropout(0.2f).Call(new GlobalAveragePool().Call(h)));
        Assert.Equal(3_504_872, new Model(x, logits, "mobilenet_v2").ParameterCount);
    }

    [Fact]
    public void Frozen_layers_count_as_non_trainable()
    {
        var base1 = new Dense(8);
        var m = new Sequential([4]).Add(base1).Add(new Dense(2));
        base1.Trainable = false;
        Assert.Equal(40 + 18, m.ParameterCount);
        Assert.Equal(18, m.TrainableParameterCount);
        Assert.Contains("Non-trainable params: 40", m.Summary());
    }
}
