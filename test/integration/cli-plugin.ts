/**
 * A user's own component for the CLI test: a tiny CNN registered as model
 * 'tiny_cnn' the way the project's ResNets register, loaded with
 * `--plugin` and chosen with `model=tiny` from a user's config dir.
 */
import { z } from 'zod';
// As a user's plugin does: through the package (the CLI's own instance of the registry).
import { nn, register } from 'classifier-training';

const { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } = nn;

const schema = z.strictObject({
  numClasses: z.number().int().min(2),
  inChannels: z.number().int().positive().default(3),
  width: z.number().int().positive().default(6),
});

register({
  group: 'model',
  name: 'tiny_cnn',
  schema,
  description: 'a conv, batch norm and linear layer (tests)',
  build: (o: z.output<typeof schema>) =>
    new Sequential(
      new Conv2d(o.inChannels, o.width, 3, { padding: 1 }),
      new BatchNorm2d(o.width),
      new ReLU(),
      new AdaptiveAvgPool2d([1, 1]),
      new Flatten(),
      new Linear(o.width, o.numClasses),
    ),
});
