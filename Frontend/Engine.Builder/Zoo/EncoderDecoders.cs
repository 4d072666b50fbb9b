namespace Engine.Builder.Zoo;

/// <summary>Image-to-image and generative models: a small U-Net, a convolutional autoencoder, DCGAN.</summary>
public static class EncoderDecoders
{
    private static SymbolicTensor DoubleConv(SymbolicTensor x, int c)
    {
        var y = new ReLU().Call(new BatchNormalization().Call(new Conv2D(c, 3, padding: 1, useBias: false).Call(x)));
        return new ReLU().Call(new BatchNormalization().Call(new Conv2D(c, 3, padding: 1, useBias: false).Call(y)));
    }

    /// <summary>U-Net with two down/up levels and skip concatenations; per-pixel class logits [classes, H, W].</summary>
    public static Model UNet(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        int c = o.Scaled(16);
        var d1 = DoubleConv(x, c);
        var d2 = DoubleConv(new MaxPool2D(2).Call(d1), 2 * c);
        var bottom = DoubleConv(new MaxPool2D(2).Call(d2), 4 * c);
        var u2 = DoubleConv(new Concatenate().Call(new Conv2DTranspose(2 * c, 2, stride: 2).Call(bottom), d2), 2 * c);
        var u1 = DoubleConv(new Concatenate().Call(new Conv2DTranspose(c, 2, stride: 2).Call(u2), d1), c);
        return new Model(x, new Conv2D(o.Classes, 1).Call(u1), "unet");
    }

    /// <summary>Convolutional autoencoder: strided convs to a small code, transposed convs back, sigmoid output in [0, 1].</summary>
    public static Model Autoencoder(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        int c = o.Scaled(16);
        var h = new Conv2D(c, 3, stride: 2, padding: "same", activation: "relu").Call(x);
        h = new Conv2D(2 * c, 3, stride: 2, padding: "same", activation: "relu").Call(h);
        h = new Conv2DTranspose(c, 3, stride: 2, padding: "same", activation: "relu").Call(h);
        h = new Conv2DTranspose((int)o.InputShape[0], 3, stride: 2, padding: "same", activation: "sigmoid").Call(h);
        return new Model(x, h, "autoencoder");
    }

    /// <summary>DCGAN generator: latent → dense → [2c, H/4, W/4] → two stride-2 transposed convs (BN-ReLU) → tanh image.</summary>
    public static Model DcganGenerator(ZooOptions o)
    {
        long ch = o.InputShape[0], h = o.InputShape[1], w = o.InputShape[2];
        if (h % 4 != 0 || w % 4 != 0) throw new BuildException($"dcgan-generator: image size {h}×{w} must be divisible by 4");
        int c = o.Scaled(64);
        var z = Input.Of(o.Latent);
        var t = new ReLU().Call(new BatchNormalization().Call(new Dense((int)(2 * c * (h / 4) * (w / 4)), useBias: false).Call(z)));
        t = new Reshape(2 * c, h / 4, w / 4).Call(t);
        t = new ReLU().Call(new BatchNormalization().Call(new Conv2DTranspose(c, 4, stride: 2, padding: 1, useBias: false).Call(t)));
        t = new Conv2DTranspose((int)ch, 4, stride: 2, padding: 1, activation: "tanh").Call(t);
        return new Model(z, t, "dcgan_generator");
    }

    /// <summary>DCGAN discriminator: stride-2 convs with LeakyReLU(0.2) (BN after the first), one logit.</summary>
    public static Model DcganDiscriminator(ZooOptions o)
    {
        int c = o.Scaled(64);
        var x = Input.Of(o.InputShape);
        var h = new LeakyReLU(0.2f).Call(new Conv2D(c, 4, stride: 2, padding: 1).Call(x));
        h = new LeakyReLU(0.2f).Call(new BatchNormalization().Call(new Conv2D(2 * c, 4, stride: 2, padding: 1, useBias: false).Call(h)));
        return new Model(x, new Dense(1).Call(new Flatten().Call(h)), "dcgan_discriminator");
    }
}
