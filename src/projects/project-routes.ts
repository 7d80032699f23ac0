// HTTP for projects and their environments; rules live in project-service.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.ts';
import { orgPrincipalOf } from '../platform/context.ts';
import { ok } from '../platform/envelope.ts';
import { Description, Id, Key, Name, Type, responses } from '../platform/schemas.ts';
import { projectService } from './project-service.ts';
import { SecretSchema } from '../sdk-keys/sdk-secret-view.ts';

const Environment = Type.Object({
  id: Type.String(),
  name: Type.String(),
  key: Type.String(),
  description: Type.String(),
  secrets: Type.Array(SecretSchema),
  settings: Type.Array(Type.Unknown()),
});
const Project = Type.Object({ id: Type.String(), name: Type.String(), key: Type.String(), environments: Type.Array(Environment) });

const ProjectParams = Type.Object({ projectId: Id });
const EnvParams = Type.Object({ projectId: Id, envId: Id });

export async function projectRoutes(app: FastifyInstance, ctx: AppContext) {
  const projects = projectService(ctx);
  const tags = ['projects'];

  app.get('/projects', { schema: { tags, summary: 'The projects, with their environments, that the caller can access [CanAccessProject, CanAccessEnv]', response: responses(Type.Array(Project)) } }, async (request) =>
    ok(await projects.list(orgPrincipalOf(request))),
  );

  app.post(
    '/projects',
    {
      schema: {
        tags,
        summary: 'Create a project with environments dev and prod [CreateProject on project/*]',
        body: Type.Object({ name: Name, key: Key }, { additionalProperties: false }),
        response: responses(Project),
      },
    },
    async (request) => ok(await projects.create(orgPrincipalOf(request), request.body as { name: string; key: string })),
  );

  app.get('/projects/:projectId', { schema: { tags, summary: 'A project [CanAccessProject]', params: ProjectParams, response: responses(Project) } }, async (request) => {
    const { projectId } = request.params as { projectId: string };
    return ok(await projects.get(orgPrincipalOf(request), projectId));
  });

  app.put(
    '/projects/:projectId',
    {
      schema: {
        tags,
        summary: "Rename a project (its key never changes) [UpdateProjectSettings]",
        params: ProjectParams,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: responses(Project),
      },
    },
    async (request) => {
      const { projectId } = request.params as { projectId: string };
      return ok(await projects.update(orgPrincipalOf(request), projectId, request.body as { name: string }));
    },
  );

  app.delete('/projects/:projectId', { schema: { tags, summary: 'Delete a project with its environments, flags and segments [DeleteProject]', params: ProjectParams, response: responses(Type.Boolean()) } }, async (request) => {
    const { projectId } = request.params as { projectId: string };
    return ok(await projects.remove(orgPrincipalOf(request), projectId));
  });

  app.post(
    '/projects/:projectId/envs',
    {
      schema: {
        tags,
        summary: 'Create an environment [CreateEnv on the project]',
        params: ProjectParams,
        body: Type.Object({ name: Name, key: Key, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: responses(Environment),
      },
    },
    async (request) => {
      const { projectId } = request.params as { projectId: string };
      return ok(await projects.createEnvironment(orgPrincipalOf(request), projectId, request.body as { name: string; key: string; description?: string }));
    },
  );

  app.get('/projects/:projectId/envs/:envId', { schema: { tags, summary: 'An environment [CanAccessEnv]', params: EnvParams, response: responses(Environment) } }, async (request) => {
    const { projectId, envId } = request.params as { projectId: string; envId: string };
    return ok(await projects.getEnvironment(orgPrincipalOf(request), projectId, envId));
  });

  app.put(
    '/projects/:projectId/envs/:envId',
    {
      schema: {
        tags,
        summary: "Update an environment's name and description (its key never changes) [UpdateEnvSettings]",
        params: EnvParams,
        body: Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: responses(Environment),
      },
    },
    async (request) => {
      const { projectId, envId } = request.params as { projectId: string; envId: string };
      return ok(await projects.updateEnvironment(orgPrincipalOf(request), projectId, envId, request.body as { name: string; description?: string }));
    },
  );

  app.delete('/projects/:projectId/envs/:envId', { schema: { tags, summary: 'Delete an environment with its flags and segments [DeleteEnv]', params: EnvParams, response: responses(Type.Boolean()) } }, async (request) => {
    const { projectId, envId } = request.params as { projectId: string; envId: string };
    return ok(await projects.removeEnvironment(orgPrincipalOf(request), projectId, envId));
  });
}
